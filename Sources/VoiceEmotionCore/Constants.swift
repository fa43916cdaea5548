// Numbers every module agrees on, written once, and the build-configuration check.

import Foundation

/// The rate the emotion models and the default Silero VAD run at (Hz). Everything else is
/// resampled to it.
public let modelSampleRate = 16000

/// Sample rates accepted from files and for resampling: 1 kHz (below any real recording) to
/// 768 kHz (the highest rate interfaces record at). A header claiming 1 Hz would otherwise make
/// a 64 KB file resample to gigabytes.
public let audioSampleRates = 1000...768_000

/// Whether this library was compiled with optimisation. Unoptimised (debug) builds run the
/// models 30 to 90 times slower: depend on VoiceEmotion in release (`swift build -c release`,
/// or an Xcode scheme with the Release configuration) to measure or ship.
public let isOptimizedBuild = !_isDebugAssertConfiguration()

/// Writes a one-time note to standard error when the library runs unoptimised, so a 30-90x slower
/// debug build is never mistaken for the library's speed. Called when a model is loaded.
package func warnOnceIfUnoptimized() {
    _ = unoptimizedWarning
}

private let unoptimizedWarning: Void = {
    guard !isOptimizedBuild else { return }
    let note = "VoiceEmotion: this is an unoptimised (debug) build; the models run 30-90x slower. "
        + "Build in release (swift build -c release, or the Release configuration in Xcode) to measure or ship.\n"
    try? FileHandle.standardError.write(contentsOf: Data(note.utf8))
}()
