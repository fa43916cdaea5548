// The one place that knows which BLAS we link: Accelerate on Apple platforms, OpenBLAS elsewhere.
// Every matrix multiply in VoiceEmotion goes through `BLAS.sgemm`, which converts sizes to the
// 32-bit integers both libraries take.

import Foundation
import VoiceEmotionCore

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Single-precision matrix multiply and thread control over the platform BLAS.
package enum BLAS {
    /// Whether an operand is used as stored or transposed.
    package enum Transpose: Sendable {
        /// Use the matrix as stored.
        case none
        /// Use its transpose.
        case transpose
    }

    /// `C = alpha · op(A) · op(B) + beta · C` on row-major matrices.
    ///
    /// Large products are split across the thread budget (`setThreadCount`) by columns of `C`
    /// (or rows when `C` is narrow), each part a single-threaded BLAS call on its own thread. We
    /// run the threads rather than OpenBLAS because its workers spin (sched_yield) between
    /// calls, taking a core from the elementwise work that runs in between (measured in
    /// Docs/Benchmarks.md), and because callers that are already parallel
    /// (attention heads) need single-threaded products (`threads: 1`).
    ///
    /// - Parameters:
    ///   - m: rows of `op(A)` and `C`.
    ///   - n: columns of `op(B)` and `C`.
    ///   - k: columns of `op(A)`, rows of `op(B)`.
    ///   - lda, ldb, ldc: row strides (in elements) of the stored matrices; a stride larger than the
    ///     row length lets a caller multiply a strided view (e.g. overlapping conv patches) in place.
    ///   - threads: at most this many threads (default: the thread budget).
    package static func sgemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size")
        precondition(
            m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max)
                && lda <= Int(Int32.max) && ldb <= Int(Int32.max) && ldc <= Int(Int32.max),
            "sgemm: size exceeds the 32-bit BLAS interface")
        if m == 0 || n == 0 { return }
        _ = ownsThreading
        if m <= smallRowLimit && transA == .none {
            // A few rows (a live audio chunk): sgemv per row reads B in place, where sgemm would
            // first copy ("pack") all of B on every call.
            for row in 0..<m {
                cblas_sgemv(
                    CblasRowMajor, transB == .transpose ? CblasNoTrans : CblasTrans,
                    Int32(transB == .transpose ? n : k), Int32(transB == .transpose ? k : n), alpha,
                    b, Int32(ldb), a + row * lda, 1, beta, c + row * ldc, 1)
            }
            return
        }
        let split = partition(m: m, n: n, k: k, threads: min(threads ?? cachedThreadCount, cachedThreadCount))
        guard split.parts > 1 else {
            serialSgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let operands = SendablePointers(a: a, b: b, c: c)
        DispatchQueue.concurrentPerform(iterations: split.parts) { part in
            let (a, b, c) = (operands.a, operands.b, operands.c)
            if split.byColumns {
                // Column blocks of C: rows of B when it is stored transposed (n × k), columns otherwise.
                let first = split.boundary(part), last = split.boundary(part + 1)
                serialSgemm(transA, transB, m: m, n: last - first, k: k, alpha: alpha, a: a, lda: lda,
                            b: b + (transB == .transpose ? first * ldb : first), ldb: ldb, beta: beta, c: c + first, ldc: ldc)
            } else {
                let first = split.boundary(part), last = split.boundary(part + 1)
                serialSgemm(transA, transB, m: last - first, n: n, k: k, alpha: alpha,
                            a: a + (transA == .none ? first * lda : first), lda: lda, b: b, ldb: ldb, beta: beta,
                            c: c + first * ldc, ldc: ldc)
            }
        }
    }

    /// One BLAS call on the calling thread (OpenBLAS is kept at one thread; see `sgemm`).
    private static func serialSgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, cblasTranspose(transA), cblasTranspose(transB),
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// How a product is split: `parts` blocks of columns (or rows) with boundaries on multiples
    /// of 16 (whole micro-kernel tiles).
    struct Partition {
        let parts: Int
        let byColumns: Bool
        let extent: Int
        func boundary(_ part: Int) -> Int {
            part >= parts ? extent : min(extent, (extent * part / parts + 8) / 16 * 16)
        }
    }

    /// Splits products of at least ~8 MFLOP whose split dimension gives each thread 64+ columns
    /// or 32+ rows; smaller ones run on the caller's thread. Never splits on Apple platforms,
    /// where Accelerate schedules its own threads.
    static func partition(m: Int, n: Int, k: Int, threads: Int) -> Partition {
        #if canImport(Accelerate)
        return Partition(parts: 1, byColumns: true, extent: n)
        #else
        guard threads > 1, 2 * Double(m) * Double(n) * Double(k) >= 8e6 else { return Partition(parts: 1, byColumns: true, extent: n) }
        if n >= 64 * threads { return Partition(parts: threads, byColumns: true, extent: n) }
        if m >= 32 * threads { return Partition(parts: threads, byColumns: false, extent: m) }
        return Partition(parts: 1, byColumns: true, extent: n)
        #endif
    }

    /// `y = alpha · op(A) · x + beta · y` on a row-major `rows × columns` matrix.
    @inlinable
    package static func sgemv(
        _ transA: Transpose, rows: Int, columns: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        precondition(rows <= Int(Int32.max) && columns <= Int(Int32.max) && lda <= Int(Int32.max))
        if rows == 0 || columns == 0 { return }
        _ = ownsThreading
        cblas_sgemv(
            CblasRowMajor, cblasTranspose(transA), Int32(rows), Int32(columns), alpha, a,
            Int32(lda), x, 1, beta, y, 1)
    }

    /// Sets the number of threads matrix products and elementwise kernels use for every later
    /// call (process-wide). Default: `OPENBLAS_NUM_THREADS` if set, else all cores.
    ///
    /// Benchmarks and applications should set this explicitly so runs are comparable. OpenBLAS
    /// itself is kept at one thread; VoiceEmotion runs the threads (see `sgemm`). On Apple
    /// platforms Accelerate manages its own threads for products.
    package static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1")
        _ = ownsThreading
        threadBudget.store(count)
    }

    /// The number of threads VoiceEmotion's kernels use.
    package static var threadCount: Int { cachedThreadCount }

    /// The thread count as last set (read on hot paths without a library call).
    static var cachedThreadCount: Int { threadBudget.load() }
    private static let threadBudget = AtomicCount(defaultThreads)
    private static var defaultThreads: Int {
        #if canImport(Accelerate)
        return ProcessInfo.processInfo.activeProcessorCount
        #else
        return max(1, Int(openblas_get_num_threads()))
        #endif
    }

    /// Evaluated once, before the first product: reads the default budget (which honours
    /// OPENBLAS_NUM_THREADS), then puts OpenBLAS in single-threaded mode.
    @usableFromInline
    static let ownsThreading: Bool = {
        _ = threadBudget.load()
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)
        #endif
        return true
    }()

    /// Up to this many rows, `sgemm` runs as one `sgemv` per row.
    @usableFromInline
    static let smallRowLimit = 4

    /// The CBLAS enum for a `Transpose`.
    @usableFromInline
    static func cblasTranspose(_ t: Transpose) -> CBLAS_TRANSPOSE {
        t == .none ? CblasNoTrans : CblasTrans
    }
}

/// A lock-protected integer (the thread budget is read from many threads).
private final class AtomicCount: @unchecked Sendable {
    private var value: Int
    private let lock = NSLock()
    init(_ value: Int) { self.value = value }
    func load() -> Int { lock.lock(); defer { lock.unlock() }; return value }
    func store(_ newValue: Int) { lock.lock(); value = newValue; lock.unlock() }
}

/// Base pointers of one product, carried into `concurrentPerform` (each part writes its own
/// block of C).
private struct SendablePointers: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
}

/// The number of threads VoiceEmotion's models compute on: a process-wide setting, made
/// explicitly (nothing else changes it). Default: `OPENBLAS_NUM_THREADS` if set, else all cores.
///
/// Set it once at start-up, before analyses run: for one analysis at a time keep all cores; for
/// several analyses in parallel (one per core), set 1. Benchmarks set it so runs compare.
public enum ComputeThreads {
    /// Threads every later model call uses.
    public static var count: Int { BLAS.threadCount }

    /// Sets the thread count (1...1024) for every later model call.
    public static func set(_ count: Int) throws {
        guard (1...1024).contains(count) else {
            throw VoiceEmotionError.invalidOption(name: "ComputeThreads", value: "\(count)", reason: "must be within 1...1024")
        }
        BLAS.setThreadCount(count)
    }
}
