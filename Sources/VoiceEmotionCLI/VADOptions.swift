// The VAD options shared by `vad` and `analyze`.

import ArgumentParser
import SileroVAD

/// Segmentation options as command-line flags (defaults: the official get_speech_timestamps).
struct VADOptions: ParsableArguments {
    @Option(help: "Speech probability threshold (0...1).")
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
    var maxSpeechSeconds: Double = .infinity

    /// The library options these flags describe.
    var options: SpeechTimestampOptions {
        var o = SpeechTimestampOptions()
        o.threshold = threshold
        o.negativeThreshold = negativeThreshold
        o.minSpeechDurationMs = minSpeechMs
        o.minSilenceDurationMs = minSilenceMs
        o.speechPadMs = speechPadMs
        o.maxSpeechDurationSeconds = maxSpeechSeconds
        return o
    }

    func validate() throws {
        do { try options.validate() } catch { throw ValidationError(error.description) }
    }
}
