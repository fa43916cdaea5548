// Parity checks report the worst difference they reached, so that `scripts/parity-kernels.sh`
// can run them under every OpenBLAS kernel the CPU executes and print the worst per kernel beside
// each bound. A bound that one machine's kernel barely meets fails on the next machine: the
// summation order (and so the last bits) changes with the kernel.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the worst differences go: one line `check<TAB>worst<TAB>bound` per check run.
public enum ParityLog {
    /// The log file: `$VOICE_EMOTION_PARITY_LOG`, when set (the script sets it); else nothing is written.
    static let path: String? = {
        guard let value = getenv("VOICE_EMOTION_PARITY_LOG") else { return nil }
        let path = String(cString: value)
        return path.isEmpty ? nil : path
    }()

    /// Appends `worst` and `bound` for `check` (a stable name: test and argument). One `write`
    /// of a short line on an `O_APPEND` descriptor, so concurrent tests never interleave.
    public static func record(_ check: String, worst: Double, bound: Double) {
        guard let path else { return }
        let line = "\(check)\t\(worst)\t\(bound)\n"
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
    }
}
