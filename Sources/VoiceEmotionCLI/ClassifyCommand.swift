// `voice-emotion classify FILE... --model DIR`: the whole file through a Wav2Vec2/HuBERT
// emotion model in one pass (no VAD), as a Python user would run it for parity checks.

import ArgumentParser
import Foundation
import VoiceEmotion

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Run a whole recording through a Wav2Vec2/HuBERT emotion model in one pass (no VAD).",
        discussion: """
            --model is a folder with config.json, preprocessor_config.json and model.safetensors (see Weights/README.md), \
            or is the name of a model `voice-emotion models pull` installed. \
            One pass needs memory growing with the square of the length (about 3.5 minutes fit the \
            default limit); `analyze` splits long recordings into windows.
            """)

    @Argument(help: "Audio files (WAV, FLAC, MP3, Ogg, AIFF; M4A, MP4, MOV, 3GP, WebM with ffmpeg installed); - reads standard input.")
    var files: [String]

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print JSON: one object per file (an array for several files).")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one audio file.") }
        try validateStandardInput(files)
        if modelOptions.model == nil { throw ValidationError("Missing expected argument '--model <model>'") }
    }

    /// The JSON of one file.
    struct Output: Encodable {
        let file: String
        let model: String
        let labels: [String]
        let logits: [Float]
        let scores: [Float]
        let frames: Int
    }

    func run() throws {
        var options = EmotionAnalyzerOptions()
        try modelOptions.apply(to: &options)
        let classifier: Wav2Vec2Classifier
        let model = try AnalyzeCommand.modelFolder(modelOptions.model!)
        do {
            classifier = try Wav2Vec2Classifier(folder: model, options: .init(
                legacyHeadActivation: options.legacyHeadActivation, memoryLimitBytes: options.memoryLimitBytes))
        } catch {
            printError("error: model \(model): \(shellText(error))")
            throw ExitCode.failure
        }
        let maximumSamples = classifier.maximumSamples
        let failed = processFiles(files, json: json) { file, path in
            // Refuse from the header's length before decoding a file far too long for one pass
            // (the classifier checks the decoded length again: headers can lie).
            let info = try AudioLoader.info(path: path)
            if let frames = info.frames {
                let samples = Int(Double(frames) * Double(modelSampleRate) / Double(info.sampleRate))
                if samples > maximumSamples {
                    throw VoiceEmotionError.inputTooLong(samples: samples, maximumSamples: maximumSamples, limitBytes: classifier.options.memoryLimitBytes)
                }
            }
            let audio = try AudioLoader.load(path: path, sampleRate: modelSampleRate)
            let result = try classifier.classify(audio.samples)
            if json {
                return Output(file: file, model: model, labels: result.labels, logits: result.logits, scores: result.scores, frames: result.frames)
            }
            print("\(file): \(result.frames) frames, \(result.isRegression ? "regression outputs" : "top: \(result.topLabel)")")
            let width = max(12, result.labels.map(\.count).max() ?? 0)
            for (label, (score, logit)) in zip(result.labels, zip(result.scores, result.logits)) {
                print("  \(label.padding(toLength: width, withPad: " ", startingAt: 0)) " + String(format: "%8.4f   (logit %+.4f)", score, logit))
            }
            return nil
        }
        if failed { throw ExitCode.failure }
    }
}
