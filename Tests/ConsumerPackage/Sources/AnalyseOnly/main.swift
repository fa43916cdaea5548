// An app that only analyses: `import VoiceEmotion` and nothing else. scripts/test.sh runs it and
// checks its binary: no URLSession (FoundationNetworking) and no checkpoint reader linked.

import Foundation
import VoiceEmotion

let sample = CommandLine.arguments.dropFirst().first ?? "Docs/Samples/voice-memo.flac"
do {
    let result = try EmotionAnalyzer().analyzeBlocking(file: sample)
    print("analyse-only: \(result.segments.count) speech segments, \(String(format: "%.1f", result.speechSeconds)) s of speech")
} catch {
    print("analyse-only: \(error.localizedDescription)")
    exit(1)
}
