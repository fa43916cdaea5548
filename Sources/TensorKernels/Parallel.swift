// Splitting elementwise work across the thread budget (`BLAS.setThreadCount`). Between sgemms the threads are
// idle, so softmax, GELU and LayerNorm over large activations would otherwise run on one core.

import Dispatch

/// Minimum elements before work is split (below it, thread hand-off costs more than it saves).
let parallelThreshold = 1 << 16

/// Calls `body` on contiguous sub-ranges of `0..<count`, on up to `BLAS.threadCount` threads
/// when `work` (elements touched) is large enough; serially otherwise. `body` must only write
/// disjoint data for disjoint ranges.
package func parallelRanges(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
    let threads = min(BLAS.cachedThreadCount, count)
    guard threads > 1, work >= parallelThreshold else {
        if count > 0 { body(0..<count) }
        return
    }
    withoutActuallyEscaping(body) { body in
        // The parts write disjoint data (the caller's contract), so sharing the closure is safe.
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: threads) { part in
            let start = count * part / threads, end = count * (part + 1) / threads
            if start < end { shared.value(start..<end) }
        }
    }
}

/// Calls `body(part, range)` for `parts` contiguous sub-ranges of `0..<count` in parallel (at most
/// `count` parts); `part` indexes per-part scratch. Serial when `parts` is 1. `body` must only
/// write disjoint data for disjoint parts.
package func parallelParts(_ count: Int, parts requested: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
    let parts = max(1, min(requested, count))
    guard parts > 1 else {
        if count > 0 { body(0, 0..<count) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            shared.value(part, (count * part / parts)..<(count * (part + 1) / parts))
        }
    }
}

/// Carries a non-Sendable value into `concurrentPerform` when the caller guarantees safety.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
