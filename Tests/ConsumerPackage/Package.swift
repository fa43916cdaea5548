// swift-tools-version: 6.1
// A minimal app-side package that depends on VoiceEmotion by path, as an app would by URL, with
// the products an app needs: VoiceEmotion, and VoiceEmotionJournal for keeping results. scripts/test.sh builds and runs it:
// `swift run --package-path Tests/ConsumerPackage -c release Consumer`.

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
                .product(name: "VoiceEmotionJournal", package: "VoiceEmotion"),
            ]),
    ]
)
