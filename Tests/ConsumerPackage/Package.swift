// swift-tools-version: 6.1
// A minimal app-side package that depends on VoiceEmotion by path, as an app would by URL, with
// the products an app needs: VoiceEmotion, VoiceEmotionModels to download models, and
// VoiceEmotionJournal for keeping results. `AnalyseOnly` is an app that only analyses: with
// `VoiceEmotion` alone it must link neither URLSession (FoundationNetworking) nor the checkpoint
// reader; scripts/test.sh builds both and checks that.

import PackageDescription

let package = Package(
    name: "Consumer",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "VoiceEmotion", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [
                .product(name: "VoiceEmotion", package: "VoiceEmotion"),
                .product(name: "VoiceEmotionModels", package: "VoiceEmotion"),
                .product(name: "VoiceEmotionJournal", package: "VoiceEmotion"),
            ]),
        .executableTarget(name: "AnalyseOnly", dependencies: [.product(name: "VoiceEmotion", package: "VoiceEmotion")]),
    ]
)
