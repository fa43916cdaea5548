// voice-emotion-bench: speed measurements (see Docs/Benchmarks.md).
// For now it measures the hardware reference, sgemm throughput; model benchmarks join as the
// models land.

import Foundation
import TensorKernels

var arguments = CommandLine.arguments.dropFirst()
var threads = ProcessInfo.processInfo.activeProcessorCount
var emitJSON = false
while let argument = arguments.popFirst() {
    switch argument {
    case "--json": emitJSON = true
    case "--threads":
        guard let value = arguments.popFirst().flatMap(Int.init), value >= 1 else {
            FileHandle.standardError.write(Data("--threads needs a positive integer\n".utf8))
            exit(2)
        }
        threads = value
    default:
        FileHandle.standardError.write(Data("usage: voice-emotion-bench [--threads N] [--json]\n".utf8))
        exit(2)
    }
}
BLAS.setThreadCount(threads)

/// Runs `body` after a warm-up, `runs` times; returns the sorted durations in seconds.
func measure(runs: Int, _ body: () -> Void) -> [Double] {
    body()
    return (0..<runs).map { _ in
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }.sorted()
}

let size = 1024
let a = [Float](repeating: 0.5, count: size * size)
let b = [Float](repeating: 0.25, count: size * size)
var c = [Float](repeating: 0, count: size * size)
let times = measure(runs: 7) {
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                BLAS.sgemm(.none, .transpose, m: size, n: size, k: size, a: pa.baseAddress!, lda: size,
                           b: pb.baseAddress!, ldb: size, c: pc.baseAddress!, ldc: size)
            }
        }
    }
}
let flops = 2.0 * Double(size * size * size)
let median = times[times.count / 2]
let gflops = flops / median / 1e9
if emitJSON {
    print("{\"threads\": \(threads), \"sgemm_gflops\": \(String(format: "%.1f", gflops)), \"sgemm_gflops_min\": \(String(format: "%.1f", flops / times.last! / 1e9)), \"sgemm_gflops_max\": \(String(format: "%.1f", flops / times.first! / 1e9))}")
} else {
    print("threads: \(threads)")
    print(String(format: "sgemm %dx%dx%d: %.1f GFLOP/s median (%.1f-%.1f over %d runs)", size, size, size, gflops,
                 flops / times.last! / 1e9, flops / times.first! / 1e9, times.count))
}
