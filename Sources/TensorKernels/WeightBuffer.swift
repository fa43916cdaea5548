// Read-only weights that a layer uses without owning a copy: either floats in a memory-mapped
// checkpoint (the usual case for F32 files, so a 1.3 GB model is not loaded twice) or an owned
// allocation (converted F16/BF16 weights, repacked conv kernels, test data).

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// An immutable run of `Float` weights kept alive by its owner.
///
/// Sendable because the floats are never written after creation and the owner (a mapped file or
/// the buffer's own allocation) lives as long as any copy of the buffer.
package struct WeightBuffer: @unchecked Sendable {
    /// Number of floats.
    package let count: Int
    /// First float; valid while `owner` is alive.
    let start: UnsafePointer<Float>
    /// Whatever keeps `start` valid: a mapped file, or an `OwnedFloats` allocation.
    private let owner: AnyObject

    /// Copies `values` into a buffer of its own.
    package init(_ values: [Float]) {
        let storage = OwnedFloats(values)
        self.init(start: UnsafePointer(storage.pointer), count: values.count, owner: storage)
    }

    /// `count` zeros in memory the system maps on first touch (untouched, they cost no resident
    /// memory): placeholders for models built only to list their tensors.
    package init(zeros count: Int) {
        let storage = OwnedFloats(zeros: count)
        self.init(start: UnsafePointer(storage.pointer), count: count, owner: storage)
    }

    /// Uses `count` floats at `start` in place; `owner` must keep them valid and unchanged for
    /// the buffer's lifetime (e.g. the memory-mapped file they live in).
    package init(start: UnsafePointer<Float>, count: Int, owner: AnyObject & Sendable) {
        precondition(count >= 0, "WeightBuffer: negative count")
        self.start = start
        self.count = count
        self.owner = owner
    }

    /// Calls `body` with the floats.
    @inlinable
    package func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(buffer) }
    }

    /// The floats as a buffer (valid while this value is alive; prefer `withUnsafeBufferPointer`).
    @usableFromInline
    var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: start, count: count) }
}

/// A heap allocation of floats freed with its owner.
private final class OwnedFloats: Sendable {
    nonisolated(unsafe) let pointer: UnsafeMutablePointer<Float>
    init(_ values: [Float]) {
        // malloc and calloc both, so that deinit frees either with free().
        pointer = malloc(max(values.count, 1) * MemoryLayout<Float>.size)!.bindMemory(to: Float.self, capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: source.count) }
        }
    }
    init(zeros count: Int) {
        pointer = calloc(max(count, 1), MemoryLayout<Float>.size)!.bindMemory(to: Float.self, capacity: max(count, 1))
    }
    deinit { free(pointer) }
}
