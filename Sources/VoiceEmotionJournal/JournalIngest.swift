// Adding many memos: the one ingest loop (hash, skip what is known, analyse, add), with progress,
// stopping between memos, and one outcome per file, so the CLI and an app run the same policy.

import Foundation
import VoiceEmotion

/// Where an ingest is.
public struct JournalIngestProgress: Sendable, Equatable {
    /// The file being analysed, its position (0-based) and the number of files.
    public let file: String, index: Int, count: Int
    /// Overall fraction done, 0...1 (this file's analysis counted in proportion).
    public let fraction: Double
}

/// What happened to one file of an ingest.
public struct JournalIngestResult: Sendable {
    /// The file.
    public let file: String
    /// The journal's outcome, or the error that stopped this file (the others still ran).
    public let outcome: Result<JournalAddOutcome, VoiceEmotionError>
    /// The analysis, when the file was analysed (not for files already in the journal).
    public let analysis: RecordingAnalysis?
}

extension Journal {
    /// The identity memos of `analyzer` are kept under: `given`, else its folder's; an analyzer
    /// without a model, or with one loaded without a folder and no identity given, is refused.
    func modelIdentity(of analyzer: EmotionAnalyzer, given: ModelIdentity?) throws -> ModelIdentity {
        guard analyzer.model != nil else {
            throw VoiceEmotionError.invalidOption(name: "analyzer", value: "no model",
                                                  reason: "the journal keeps emotion and stress, which need an emotion model")
        }
        if let given { return given }
        guard let folder = analyzer.modelFolder else {
            throw VoiceEmotionError.invalidOption(
                name: "analyzer", value: "no model identity",
                reason: "a model given without a folder needs its identity (model:), so that its memos are told apart from other models'")
        }
        return try modelIdentity(folder: folder)
    }

    /// Audio files a path names: a file as given, a folder searched recursively for the
    /// extensions memos come in (sorted); a missing path is kept, so that it fails with the others.
    public static func audioFiles(in paths: [String]) -> [String] { AudioLoader.audioFiles(in: paths) }

    /// Adds `files` one by one: each is hashed first (a memo already in the journal with this
    /// model is not analysed again unless `replace`), analysed with `analyzer` (which needs a
    /// model; `model` names it, by default from its folder), and added in one transaction. A file
    /// that fails is reported in its result and the others go on. `progress` may return false to
    /// cancel the memo being analysed (it is not added); `shouldStop`, asked before each memo,
    /// ends the ingest between memos (Ctrl-C in the CLI). `each` gets every result as it comes.
    ///
    /// - Returns: a result per file attempted, in order.
    @discardableResult
    public func add(files: [String], analyzer: EmotionAnalyzer, model: ModelIdentity? = nil, tags: [String] = [],
                    recordedAt: RecordingTime? = nil, keepPath: Bool = true, replace: Bool = false,
                    progress: ((JournalIngestProgress) -> Bool)? = nil, shouldStop: (() -> Bool)? = nil,
                    each: ((JournalIngestResult) -> Void)? = nil) throws -> [JournalIngestResult] {
        let identity = try modelIdentity(of: analyzer, given: model)
        let settings = AnalysisSettings(analyzer.options)
        var results: [JournalIngestResult] = []
        for (index, file) in files.enumerated() {
            if shouldStop?() == true { break }
            func report(_ fraction: Double) -> Bool {
                progress?(JournalIngestProgress(file: file, index: index, count: files.count,
                                                fraction: (Double(index) + fraction) / Double(max(files.count, 1)))) ?? true
            }
            let result: JournalIngestResult
            do {
                _ = report(0)
                let content = try Self.contentSHA256(ofFile: file)
                if !replace, let id = try recordingID(contentSHA256: content, model: identity) {
                    result = JournalIngestResult(file: file, outcome: .success(.alreadyPresent(id)), analysis: nil)
                } else {
                    let analysis = try analyzer.analyzeBlocking(file: file) { report($0.fraction) }
                    let outcome = try add(analysis, contentSHA256: content, model: identity, settings: settings, tags: tags,
                                          recordedAt: recordedAt, keepPath: keepPath, replace: replace)
                    result = JournalIngestResult(file: file, outcome: .success(outcome), analysis: analysis)
                }
            } catch let error as VoiceEmotionError {
                result = JournalIngestResult(file: file, outcome: .failure(error), analysis: nil)
            } catch {
                result = JournalIngestResult(file: file, outcome: .failure(.unreadableFile(path: file, reason: "\(error)")), analysis: nil)
            }
            results.append(result)
            each?(result)
        }
        return results
    }
}
