// The emotion model's flags, written once: `analyze` and `classify` take the same four, with the
// library's own defaults (EmotionAnalyzerOptions), so a default changed there changes here.

import ArgumentParser
import VoiceEmotion

struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: "Emotion model: a folder (config.json, preprocessor_config.json, model.safetensors) or an installed model's name.")
    var model: String?

    @Option(name: .customLong("memory-limit-mb"), help: "Most activation memory one model pass may take.")
    var memoryLimitMB: Int = EmotionAnalyzerOptions().memoryLimitBytes >> 20

    @Option(name: .customLong("legacy-head-activation"), help: "Activation between the two layers of legacy dense heads (see Weights/README.md).")
    var legacyHeadActivation: HeadActivation = EmotionAnalyzerOptions().legacyHeadActivation

    @Option(name: .customLong("threads"), help: "Compute threads, 1...1024 (default: all cores).")
    var threads: Int?

    func validate() throws {
        if !(1...(1 << 20)).contains(memoryLimitMB) { throw ValidationError("--memory-limit-mb must be within 1...1048576.") }
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be within 1...1024.") }
    }

    /// Sets the process-wide thread count (when given) and these flags in `options`.
    func apply(to options: inout EmotionAnalyzerOptions) throws {
        if let threads { try ComputeThreads.set(threads) }
        options.memoryLimitBytes = memoryLimitMB << 20
        options.legacyHeadActivation = legacyHeadActivation
    }
}
