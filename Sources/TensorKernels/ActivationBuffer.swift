// Large per-call activation buffers, reused across calls. A 10 s forward pass needs ~100 MB of
// scratch, and fresh memory costs a page fault per 4 KB page on first touch (a measurable share
// of a pass; huge pages were slower, see Docs/Benchmarks.md). So buffers are kept in a pool and
// handed to the next call.

import Foundation

/// An uninitialised Float buffer owned by a `ScratchPool` (or by itself when not pooled).
package final class ActivationBuffer: @unchecked Sendable {
    /// First float; contents are unspecified when handed out (callers write before reading).
    package let pointer: UnsafeMutablePointer<Float>
    /// Capacity in floats.
    package let count: Int

    package init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

/// Keeps the activation buffers of finished calls for the next ones. Thread-safe: concurrent
/// calls each take their own buffers. Holds at most `capacity` idle buffers, dropping the
/// smallest, so an idle model keeps roughly one call's worth of scratch.
package final class ScratchPool: @unchecked Sendable {
    private var idle: [ActivationBuffer] = []
    private let lock = NSLock()
    private let capacity: Int

    package init(capacity: Int = 4) { self.capacity = capacity }

    /// A buffer of at least `count` floats: the smallest idle one that fits, or a new one.
    package func take(_ count: Int) -> ActivationBuffer {
        lock.lock()
        defer { lock.unlock() }
        let fitting = idle.indices.filter { idle[$0].count >= count }
        if let best = fitting.min(by: { idle[$0].count < idle[$1].count }) {
            return idle.remove(at: best)
        }
        // A longer input than before: free the largest idle buffer (too small now) rather than
        // keep it next to the new one, so idle memory tracks the recent maximum.
        if let largest = idle.indices.max(by: { idle[$0].count < idle[$1].count }) { idle.remove(at: largest) }
        return ActivationBuffer(count: count)
    }

    /// Returns buffers for reuse.
    package func give(_ buffers: ActivationBuffer...) {
        lock.lock()
        defer { lock.unlock() }
        idle += buffers
        idle.sort { $0.count > $1.count }
        if idle.count > capacity { idle.removeLast(idle.count - capacity) }
    }

    /// Frees every idle buffer.
    package func drain() {
        lock.lock()
        idle.removeAll()
        lock.unlock()
    }

    /// Floats held by idle buffers.
    package var idleCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return idle.reduce(0) { $0 + $1.count }
    }
}
