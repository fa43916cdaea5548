// The one place that knows which BLAS we link: Accelerate on Apple platforms, OpenBLAS elsewhere.
// Every matrix multiply in VoiceEmotion goes through `BLAS.sgemm`, which converts sizes to the
// 32-bit integers both libraries take.

import Foundation

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Single-precision matrix multiply and thread control over the platform BLAS.
public enum BLAS {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        /// Use the matrix as stored.
        case none
        /// Use its transpose.
        case transpose
    }

    /// `C = alpha · op(A) · op(B) + beta · C` on row-major matrices.
    ///
    /// - Parameters:
    ///   - m: rows of `op(A)` and `C`.
    ///   - n: columns of `op(B)` and `C`.
    ///   - k: columns of `op(A)`, rows of `op(B)`.
    ///   - lda, ldb, ldc: row strides (in elements) of the stored matrices; a stride larger than the
    ///     row length lets a caller multiply a strided view (e.g. overlapping conv patches) in place.
    @inlinable
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size")
        precondition(
            m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max)
                && lda <= Int(Int32.max) && ldb <= Int(Int32.max) && ldc <= Int(Int32.max),
            "sgemm: size exceeds the 32-bit BLAS interface")
        if m == 0 || n == 0 { return }
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
        cblas_sgemm(
            CblasRowMajor, cblasTranspose(transA), cblasTranspose(transB),
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y = alpha · op(A) · x + beta · y` on a row-major `rows × columns` matrix.
    @inlinable
    public static func sgemv(
        _ transA: Transpose, rows: Int, columns: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        precondition(rows <= Int(Int32.max) && columns <= Int(Int32.max) && lda <= Int(Int32.max))
        if rows == 0 || columns == 0 { return }
        cblas_sgemv(
            CblasRowMajor, cblasTranspose(transA), Int32(rows), Int32(columns), alpha, a,
            Int32(lda), x, 1, beta, y, 1)
    }

    /// Sets the number of threads BLAS uses for every later call (process-wide).
    ///
    /// Benchmarks and applications should set this explicitly so runs are comparable. On Apple
    /// platforms Accelerate manages its own threads and this call only records the request.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS thread count must be at least 1")
        threadBudget.store(count)
        #if canImport(Accelerate)
        requestedThreads.withLock { $0 = count }
        #else
        openblas_set_num_threads(Int32(count))
        #endif
    }

    /// The number of threads BLAS currently uses.
    public static var threadCount: Int {
        #if canImport(Accelerate)
        return requestedThreads.withLock { $0 }
        #else
        return Int(openblas_get_num_threads())
        #endif
    }

    /// The thread count as last set (read on hot paths without a library call).
    static var cachedThreadCount: Int { threadBudget.load() }
    private static let threadBudget = AtomicCount(defaultThreads)
    private static var defaultThreads: Int {
        #if canImport(Accelerate)
        return ProcessInfo.processInfo.activeProcessorCount
        #else
        return Int(openblas_get_num_threads())
        #endif
    }

    #if canImport(Accelerate)
    private static let requestedThreads = LockedValue(ProcessInfo.processInfo.activeProcessorCount)
    #endif

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

#if canImport(Accelerate)

/// A tiny lock-protected value (Apple only), so `BLAS` stays free of global mutable state.
private final class LockedValue<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
#endif
