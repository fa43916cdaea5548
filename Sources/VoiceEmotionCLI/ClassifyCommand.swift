// `voice-emotion classify FILE... --model DIR`: the whole file through a Wav2Vec2/HuBERT
// emotion model (no VAD).

import ArgumentParser
import Foundation
import AudioInput
import Wav2Vec2

extension HeadActivation: ExpressibleByArgument {}

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Run a whole recording through a Wav2Vec2/HuBERT emotion model (no VAD).",
        discussion: "DIR holds config.json, preprocessor_config.json and model.safetensors (see Weights/README.md).")

    @Argument(help: "Audio files (any format libsndfile reads).")
    var files: [String]

    @Option(name: .customLong("model"), help: "Model folder.")
    var model: String

    @Option(name: .customLong("legacy-head-activation"), help: "Activation of legacy dense heads: tanh, relu, gelu, identity.")
    var legacyHeadActivation: HeadActivation = .tanh

    @Option(name: .customLong("memory-limit-mb"), help: "Most activation memory one pass may take; longer files are refused (attention grows with the square of the length).")
    var memoryLimitMB: Int = 2048

    @Flag(help: "Print JSON: one object per file (an array for several files).")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
        if !(1...(1 << 20)).contains(memoryLimitMB) { throw ValidationError("--memory-limit-mb must be within 1...1048576.") }
    }

    func run() throws {
        let classifier: Wav2Vec2Classifier
        do {
            classifier = try Wav2Vec2Classifier(folder: model, options: .init(
                legacyHeadActivation: legacyHeadActivation, memoryLimitBytes: memoryLimitMB << 20))
        } catch {
            printError("error: model \(model): \(error)")
            throw ExitCode.failure
        }
        let maximumSamples = classifier.maximumSamples
        let failed = processFiles(files, json: json) { file in
            // Refuse from the header's length before decoding a file far too long for one pass
            // (the classifier checks the decoded length again: headers can lie).
            let info = try AudioLoader.info(path: file)
            if let frames = info.frames {
                let samples = Int(Double(frames) * 16000 / Double(info.sampleRate))
                if samples > maximumSamples {
                    throw FileError(file: file, underlying: Wav2Vec2Error.inputTooLong(
                        samples: samples, maximumSamples: maximumSamples, limitBytes: classifier.options.memoryLimitBytes))
                }
            }
            let audio = try AudioLoader.load(path: file, sampleRate: 16000)
            let result: ClassificationResult
            do { result = try classifier.classify(audio.samples) } catch { throw FileError(file: file, underlying: error) }
            if json {
                return .object([
                    ("file", .string(file)), ("model", .string(model)),
                    ("labels", .array(result.labels.map { .string($0) })),
                    ("logits", .array(result.logits.map { .float($0) })),
                    ("scores", .array(result.scores.map { .float($0) })),
                    ("frames", .int(result.frames)),
                ])
            }
            print("\(file): \(result.frames) frames, \(result.isRegression ? "regression outputs" : "top: \(result.topLabel)")")
            for (label, (score, logit)) in zip(result.labels, zip(result.scores, result.logits)) {
                let name = label.padding(toLength: max(12, label.count), withPad: " ", startingAt: 0)
                print("  \(name) " + String(format: "%8.4f   (logit %+.4f)", score, logit))
            }
            return nil
        }
        if failed { throw ExitCode.failure }
    }
}

/// An error about one input file, printed with the file's name first.
struct FileError: Error, CustomStringConvertible {
    let file: String
    let underlying: any Error
    var description: String { "\(file): \(underlying)" }
}
