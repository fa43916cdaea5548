// Loads the PyTorch reference tensors (Fixtures/kernels.safetensors, made by
// Fixtures/make_kernel_fixtures.py) and compares with explicit tolerances.

import Foundation
import SafeTensors
import Testing
import TestSupport

/// The PyTorch fixture file, opened once.
let fixture: SafeTensorsFile = {
    guard let path = Bundle.module.path(forResource: "kernels", ofType: "safetensors", inDirectory: "Fixtures") else {
        fatalError("kernels.safetensors missing from the test bundle")
    }
    return try! SafeTensorsFile(path: path)
}()

/// The named fixture tensor's values and shape.
func tensor(_ name: String) -> (values: [Float], shape: [Int]) {
    (try! fixture.floats(name), try! fixture.info(name).shape)
}

/// `(rows, columns)` → `(columns, rows)`: PyTorch's channel-major `(C, L)` to our time-major `(L, C)`.
func transposed(_ values: [Float], rows: Int, columns: Int) -> [Float] {
    var out = [Float](repeating: 0, count: values.count)
    for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = values[r * columns + c] } }
    return out
}

/// Relative tolerance of the op tests: |actual - expected| ≤ 1e-5 · max(|expected|, 1).
/// (Relative for values of magnitude ≥ 1; 1e-5 absolute below, where relative error is meaningless.)
let opTolerance: Float = 1e-5

/// Records a test issue for every element outside the tolerance (at most five, then a count).
func expectClose(
    _ actual: [Float], _ expected: [Float], tolerance: Float = opTolerance, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(label): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    var failures = 0
    var worst = 0.0
    for i in 0..<actual.count {
        let allowed = tolerance * max(abs(expected[i]), 1)
        worst = max(worst, Double(abs(actual[i] - expected[i]) / max(abs(expected[i]), 1)))
        if !(abs(actual[i] - expected[i]) <= allowed) {
            failures += 1
            if failures <= 5 {
                Issue.record("\(label)[\(i)]: \(actual[i]) vs PyTorch \(expected[i])", sourceLocation: sourceLocation)
            }
        }
    }
    ParityLog.record("kernels.\(label)", worst: worst, bound: Double(tolerance))
    #expect(failures == 0, "\(label): \(failures) of \(actual.count) values outside tolerance", sourceLocation: sourceLocation)
}
