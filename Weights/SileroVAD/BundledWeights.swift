// Finds the bundled Silero VAD weights (silero_vad.safetensors, a SwiftPM resource of this
// target) without SwiftPM's generated `Bundle.module`, which traps when the resource bundle is
// missing (e.g. a CLI binary copied away from its build folder). Missing weights must be an error.

import Foundation

/// Where the bundled Silero VAD v6.2 weights live.
public enum BundledSileroWeights {
    /// The resource's file name.
    public static let fileName = "silero_vad.safetensors"
    /// Environment variable that, when set, names the weights file to use instead.
    public static let environmentOverride = "VOICE_EMOTION_SILERO_VAD_WEIGHTS"
    /// SwiftPM's resource bundle name for this target ("<package>_<target>").
    static let bundleName = "VoiceEmotion_SileroVADWeights"

    /// Every place searched, in order: the environment override, the resource bundle beside the
    /// main bundle or executable (Linux `.resources`, Apple `.bundle`), then this source folder
    /// (running from a checkout).
    public static var candidatePaths: [String] {
        var paths: [String] = []
        if let override = ProcessInfo.processInfo.environment[environmentOverride], !override.isEmpty {
            paths.append(override)
        }
        var bases: [URL] = []
        if let resources = Bundle.main.resourceURL { bases.append(resources) }
        bases.append(Bundle.main.bundleURL)
        if let executable = Bundle.main.executableURL {
            bases.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        bases.append(contentsOf: Bundle.allBundles.map(\.bundleURL))
        for base in bases {
            for suffix in [".resources", ".bundle", ".bundle/Contents/Resources"] {
                paths.append(base.appendingPathComponent(bundleName + suffix).appendingPathComponent(fileName).path)
            }
        }
        paths.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(fileName).path)
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// The first candidate that exists, or nil.
    public static func locate() -> String? {
        candidatePaths.first { FileManager.default.isReadableFile(atPath: $0) }
    }
}
