// swift-tools-version: 6.1
// VoiceEmotion: on-device speech emotion and stress measurement in pure Swift.

import PackageDescription

/// BLAS comes from Accelerate on Apple platforms and from OpenBLAS (through the `CBLAS`
/// system library) elsewhere; only `TensorKernels/BLAS.swift` knows which.
let blasDependency: Target.Dependency = .target(
    name: "CBLAS", condition: .when(platforms: [.linux, .android, .windows, .openbsd]))

let package = Package(
    name: "VoiceEmotion",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        // MARK: - Public API
        // `VoiceEmotion` is what apps use (it re-exports the types its API names); the three
        // below are useful alone: decoding to 16 kHz, the VAD, the emotion classifier.
        .library(name: "VoiceEmotion", targets: ["VoiceEmotion"]),
        .library(name: "AudioInput", targets: ["AudioInput"]),
        .library(name: "SileroVAD", targets: ["SileroVAD"]),
        .library(name: "Wav2Vec2", targets: ["Wav2Vec2"]),
        // Models without Python: the hub, the catalogue, pull/list/remove/convert (`import ModelStore`).
        // Its own product, so that an app that only analyses links neither URLSession nor the
        // checkpoint reader and its unpickler.
        .library(name: "VoiceEmotionModels", targets: ["ModelStore"]),
        // The stress journal (SQLite through GRDB) and its dashboard; kept out of `VoiceEmotion`
        // so that apps which only analyse do not pull in SQLite.
        .library(name: "VoiceEmotionJournal", targets: ["VoiceEmotionJournal"]),
        .executable(name: "voice-emotion", targets: ["VoiceEmotionCLI"]),
        .executable(name: "voice-emotion-bench", targets: ["VoiceEmotionBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        // Documentation only: `swift package generate-documentation --target VoiceEmotion`.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries (found through pkg-config)
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(
            name: "CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"]), .brew(["libsndfile"])]),
        .systemLibrary(
            name: "CSoxr", pkgConfig: "soxr",
            providers: [.apt(["libsoxr-dev"]), .brew(["libsoxr"])]),

        // MARK: - Implementation
        // Shared vocabulary: the error type, the model sample rate, the build check.
        .target(name: "VoiceEmotionCore"),
        // Package-internal: kernels (public only: ComputeThreads), strict JSON, weight files.
        .target(name: "TensorKernels", dependencies: ["VoiceEmotionCore", blasDependency]),
        .target(name: "StrictJSON"),
        .target(name: "SafeTensors", dependencies: ["VoiceEmotionCore", "StrictJSON", "TensorKernels"]),
        // PyTorch checkpoints (pytorch_model.bin) without Python: zip, restricted unpickler, converter.
        .target(name: "TorchCheckpoint", dependencies: ["VoiceEmotionCore", "StrictJSON", "SafeTensors"]),
        .target(name: "AudioInput", dependencies: ["VoiceEmotionCore", "StrictJSON", "CSndFile", "CSoxr"]),
        .target(
            name: "SileroVADWeights", path: "Weights/SileroVAD",
            resources: [.copy("silero_vad.safetensors")]),
        .target(name: "SileroVAD", dependencies: ["VoiceEmotionCore", "TensorKernels", "SafeTensors", "SileroVADWeights"]),
        .target(name: "Wav2Vec2", dependencies: ["VoiceEmotionCore", "TensorKernels", "SafeTensors", "StrictJSON"]),
        // Models without Python: the hub, the catalogue, pull/list/remove (URLSession).
        .target(name: "ModelStore", dependencies: ["VoiceEmotionCore", "TorchCheckpoint", "Wav2Vec2"]),
        .target(name: "VoiceEmotion", dependencies: ["VoiceEmotionCore", "AudioInput", "SileroVAD", "Wav2Vec2", "TensorKernels", "Prosody"]),
        // Voice markers (pitch, intensity, ...) from their published definitions, Praat-exact.
        .target(name: "Prosody"),
        // Memos over weeks: the SQLite journal, its statistics and the self-contained dashboard.
        .target(
            name: "VoiceEmotionJournal",
            dependencies: ["VoiceEmotion", "VoiceEmotionCore", "StrictJSON", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Plot", package: "Plot")]),

        // MARK: - Command-line tools
        .executableTarget(
            name: "VoiceEmotionCLI",
            dependencies: [
                "VoiceEmotion", "VoiceEmotionJournal", "Prosody", "StrictJSON", "TorchCheckpoint", "ModelStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "VoiceEmotionBench",
            dependencies: ["VoiceEmotionCore", "TensorKernels", "SafeTensors", "SileroVAD", "AudioInput", "Wav2Vec2", "VoiceEmotion", "TorchCheckpoint", "VoiceEmotionJournal", "Prosody",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/VoiceEmotionBench"),
        .executableTarget(name: "VoiceEmotionFuzz", dependencies: ["SafeTensors", "TorchCheckpoint", "Wav2Vec2", "AudioInput"], path: "Fuzz/VoiceEmotionFuzz"),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["VoiceEmotionCore"], path: "Tests/TestSupport", exclude: ["FakeHub/fake_hub.py"]),
        .testTarget(
            name: "TensorKernelsTests", dependencies: ["TensorKernels", "SafeTensors", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "TorchCheckpointTests", dependencies: ["TorchCheckpoint", "SafeTensors", "Wav2Vec2", "VoiceEmotionCore", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ModelStoreTests", dependencies: ["ModelStore", "SafeTensors", "Wav2Vec2", "VoiceEmotionCore", "TestSupport"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "VoiceEmotionCore", "TestSupport"]),
        .testTarget(name: "VoiceEmotionCLITests", dependencies: ["AudioInput", "TestSupport"]),
        .testTarget(name: "VoiceEmotionTests", dependencies: ["VoiceEmotion", "AudioInput", "SileroVAD", "TestSupport"]),
        .testTarget(
            name: "ProsodyTests", dependencies: ["Prosody", "AudioInput", "SafeTensors"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "VoiceEmotionJournalTests", dependencies: ["VoiceEmotionJournal", "VoiceEmotion", "TestSupport"],
            exclude: ["reference_t_quantiles.py", "Browser/png_stats.py", "Fixtures/journal_v1.sql"]),
        .testTarget(
            name: "Wav2Vec2Tests", dependencies: ["Wav2Vec2", "SafeTensors", "TensorKernels", "VoiceEmotionCore", "TestSupport"],
            exclude: ["full_size_parity.py"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "SileroVADTests", dependencies: ["SileroVAD", "SileroVADWeights", "AudioInput", "SafeTensors", "VoiceEmotionCore", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "AudioInputTests", dependencies: ["AudioInput", "SafeTensors", "VoiceEmotionCore", "TestSupport"],
            resources: [.copy("Fixtures")]),
    ]
)
