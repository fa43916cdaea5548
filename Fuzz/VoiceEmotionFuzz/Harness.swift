// VoiceEmotionFuzz: libFuzzer harness for the parsers of untrusted model files: the config
// decoder (config.json, preprocessor_config.json -> validate -> every size derived from them),
// the safetensors reader (header validation, then every tensor read), the restricted unpickler
// (a pickle alone), the PyTorch checkpoint reader (zip, pickle, every tensor read), the whole
// converter (checkpoint -> model.safetensors, which must load again) and the date parser. See
// Docs/Robustness.md.
//
// Fuzzing build (libFuzzer + AddressSanitizer; the harness defines LLVMFuzzerTestOneInput):
//   scripts/fuzz.sh config|safetensors|pickle|torch|convert|date [SECONDS]
// Ordinary build (part of `swift build`): replays files given as arguments through the same
// entry point, so a crashing input found by the fuzzer becomes a one-line reproduction:
//   swift run -c release VoiceEmotionFuzz config|safetensors|pickle|torch|convert|date FILE...

import AudioInput
import Foundation
import SafeTensors
import TorchCheckpoint
import Wav2Vec2

/// Which parser one run exercises.
enum FuzzTarget: String {
    case config, safetensors, pickle, torch, convert, date
}

/// A scratch folder for the `convert` target: the input as pytorch_model.bin beside tiny configs.
let convertFolder: URL = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("voice-emotion-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for name in ["config.json", "preprocessor_config.json"] {
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data("{}".utf8))
    }
    return folder
}()

/// One input through one parser; every outcome must be a value or a typed error.
func fuzzOne(_ bytes: [UInt8], target: FuzzTarget) {
    switch target {
    case .config:
        if let config = try? Wav2Vec2Classifier.decodeConfig(Wav2Vec2Config.self, bytes: bytes, path: "fuzz.json"),
           (try? config.validate()) != nil {
            // Every size the loader and the memory estimate derive from a valid config.
            _ = config.minimumSamples
            for samples in [0, 399, 16_000, 320_000, 1 << 30, Int.max / 2] { _ = config.frameCount(samples: samples) }
            _ = config.flops(samples: 320_000)
            _ = config.labels
        }
        _ = try? Wav2Vec2Classifier.decodeConfig(Wav2Vec2PreprocessorConfig.self, bytes: bytes, path: "fuzz.json")
    case .safetensors:
        guard let file = try? SafeTensorsFile(bytes: bytes, label: "fuzz.safetensors") else { return }
        for name in file.tensorNames {
            _ = try? file.floats(name)
            _ = try? file.rawBytes(name)
        }
    case .pickle:
        bytes.withUnsafeBytes { buffer in
            var unpickler = Unpickler(path: "fuzz.pkl", bytes: buffer)
            _ = try? unpickler.run()
        }
    case .torch:
        guard let checkpoint = try? TorchCheckpoint(bytes: bytes, label: "fuzz.bin") else { return }
        for name in checkpoint.names {
            _ = try? checkpoint.contiguousBytes(name)
            _ = try? checkpoint.floats(name)
        }
    case .convert:
        // The whole converter: views, strides and offsets through the safetensors writer's
        // sizes and offsets, into a file; whatever it writes must load again.
        let bin = convertFolder.appendingPathComponent("pytorch_model.bin")
        guard FileManager.default.createFile(atPath: bin.path, contents: Data(bytes)) else { return }
        let output = convertFolder.appendingPathComponent("out")
        if (try? ModelConversion.convert(source: convertFolder.path, destination: output.path)) != nil {
            guard let written = try? SafeTensorsFile(path: output.appendingPathComponent("model.safetensors").path) else {
                fatalError("the converter wrote a file that does not load")
            }
            for name in written.tensorNames { _ = try? written.rawBytes(name) }
        }
        try? FileManager.default.removeItem(at: output.appendingPathComponent("model.safetensors"))
    case .date:
        // Any text as a date tag or --recorded-at: a time whose ISO text parses back to itself, or nil.
        let text = String(decoding: bytes, as: UTF8.self)
        if let time = RecordingTime(iso8601: text, source: .metadata, tag: "fuzz") {
            guard let again = RecordingTime(iso8601: time.iso8601, source: .metadata, tag: "fuzz"), again.iso8601 == time.iso8601 else {
                fatalError("'\(text)' parses, but its ISO text '\(time.iso8601)' does not parse back to itself")
            }
        }
        _ = RecordingTime.fromTags([("DATE", text), ("creation_time", text)])?.iso8601
    }
}

#if FUZZING
private let fuzzTarget: FuzzTarget = {
    let name = getenv("VOICE_EMOTION_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else { fatalError("set VOICE_EMOTION_FUZZ_TARGET to config, safetensors, pickle, torch, convert or date") }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [], target: fuzzTarget)
    return 0
}

/// libFuzzer's driver, from its runtime library.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry point under this name (and defines `main` as it), so
/// libFuzzer's own `main` is not used: this starts its driver instead.
@_cdecl("VoiceEmotionFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return runFuzzerDriver(&count, &vector, fuzzInput)
}
#else
/// Replays files through `fuzzOne` (the ordinary build's entry point).
@main enum Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            FileHandle.standardError.write(Data("usage: VoiceEmotionFuzz config|safetensors|pickle|torch|convert|date FILE...\n".utf8))
            exit(64)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(path): cannot read\n".utf8))
                exit(1)
            }
            fuzzOne([UInt8](data), target: target)
            print("\(path): ok")
        }
    }
}
#endif
