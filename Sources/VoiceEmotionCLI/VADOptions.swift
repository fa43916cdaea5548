// The VAD options shared by `vad` and `analyze`.

import ArgumentParser
import VoiceEmotion

/// Segmentation options as command-line flags (defaults: the official get_speech_timestamps).
struct VADOptions: ParsableArguments {
    @Option(help: "Speech probability threshold, 0...1.")
    var threshold: Double = 0.5

    @Option(name: .customLong("neg-threshold"), help: "Probability below which speech may end (default: threshold - 0.15, at least 0.01).")
    var negativeThreshold: Double?

    @Option(name: .customLong("min-speech-ms"), help: "Drop segments shorter than this.")
    var minSpeechMs: Double = 250

    @Option(name: .customLong("min-silence-ms"), help: "Silence needed to end a segment.")
    var minSilenceMs: Double = 100

    @Option(name: .customLong("speech-pad-ms"), help: "Padding added to each side of a segment.")
    var speechPadMs: Double = 30

    @Option(name: .customLong("max-speech-s"), help: "Split segments longer than this (default: no limit).")
    var maxSpeechSeconds: Double?

    /// The library options these flags describe.
    var options: SpeechTimestampOptions {
        var o = SpeechTimestampOptions()
        o.threshold = threshold
        o.negativeThreshold = negativeThreshold
        o.minSpeechDurationMs = minSpeechMs
        o.minSilenceDurationMs = minSilenceMs
        o.speechPadMs = speechPadMs
        o.maxSpeechDurationSeconds = maxSpeechSeconds ?? .infinity
        return o
    }

    /// The flag of each library option, for messages in the CLI's words.
    static let flags = [
        "threshold": "--threshold", "negativeThreshold": "--neg-threshold", "minSpeechDurationMs": "--min-speech-ms",
        "minSilenceDurationMs": "--min-silence-ms", "speechPadMs": "--speech-pad-ms", "maxSpeechDurationSeconds": "--max-speech-s",
    ]

    func validate() throws {
        do { try options.validate() } catch {
            guard case .invalidOption(let name, let value, let reason)? = error as? VoiceEmotionError else { throw ValidationError("\(error)") }
            throw ValidationError("\(Self.flags[name] ?? name) \(value): \(reason).")
        }
    }
}
