// `voice-emotion models pull|list|remove|convert`: emotion models without Python.

import ArgumentParser
import Foundation
import ModelStore
import StrictJSON
import TorchCheckpoint
import VoiceEmotion

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "Download, list, remove and convert emotion models (no Python needed).",
        subcommands: [Pull.self, List.self, Remove.self, Convert.self])

    /// The default store (`$VOICE_EMOTION_MODELS`, else ~/.cache/voice-emotion/models).
    static func store(connectTimeout: Double = 30, stallTimeout: Double = 60) -> ModelStore {
        ModelStore(folder: ModelStore.defaultFolder, connectTimeout: connectTimeout, stallTimeout: stallTimeout)
    }

    /// "112 kB", "380 MB", "1.3 GB".
    static func size(_ bytes: Int64) -> String {
        switch bytes {
        case ..<1_000_000: return String(format: "%.0f kB", Double(bytes) / 1e3)
        case ..<1_000_000_000: return String(format: "%.0f MB", Double(bytes) / 1e6)
        default: return String(format: "%.1f GB", Double(bytes) / 1e9)
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a model from the Hugging Face hub into the model store.",
            discussion: """
                NAME is one of \(CatalogModel.all.map(\.name).joined(separator: ", ")) or a hub repository (owner/name). \
                Files go to ${VOICE_EMOTION_MODELS:-~/.cache/voice-emotion/models}/NAME (or --dest): config.json, \
                preprocessor_config.json and model.safetensors (a repository with only pytorch_model.bin is converted here). \
                An interrupted download resumes. The hub is $HF_ENDPOINT (default https://huggingface.co); \
                private repositories need $HF_TOKEN.
                """)

        @Argument(help: "A catalogue name or owner/repository.")
        var name: String

        @Option(help: "Revision (branch, tag or commit).")
        var revision: String?

        @Option(help: "Folder to install into instead of the store.")
        var dest: String?

        @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for the hub to answer each request.")
        var connectTimeout: Double = 30

        @Option(name: .customLong("stall-timeout"), help: "Give up a download that brings less than 64 kB in this many seconds (it resumes later).")
        var stallTimeout: Double = 60

        @Flag(help: "Download again even if the model is installed (the installed copy stays until the new one is complete).")
        var force = false

        func validate() throws {
            if !(0.1...3600).contains(connectTimeout) { throw ValidationError("--connect-timeout must be within 0.1...3600 seconds.") }
            if !(0.5...3600).contains(stallTimeout) { throw ValidationError("--stall-timeout must be within 0.5...3600 seconds.") }
        }

        func run() async throws {
            let store = ModelsCommand.store(connectTimeout: connectTimeout, stallTimeout: stallTimeout)
            let target = dest.map { URL(fileURLWithPath: $0) }
            // (A --dest folder is checked by the store: only a model it installed there counts.)
            if !force, target == nil, let installed = store.installed(name)?.folder {
                printError("\(name) is already installed (--force downloads it again)")
                print(installed.path)
                return
            }
            if let entry = CatalogModel.named(name) {
                printError("Pulling \(entry.name) (\(entry.repository), about \(ModelsCommand.size(Int64(entry.approximateBytes))); licence \(entry.licence))")
                if !entry.allowsCommercialUse { printError("note: \(entry.name)'s licence does not allow commercial use.") }
            } else {
                printError("Pulling \(name)")
            }
            let bar = ProgressBar(label: "pull")
            let shared = SharedBar(bar)
            do {
                let folder = try await store.pull(name, revision: revision, into: target, force: force) { update in
                    shared.show(update)
                }
                bar.finish()
                print(folder.path)
            } catch {
                bar.finish()
                printError("error: \(shellText(error))")
                throw ExitCode.failure
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show installed models and the catalogue.")

        @Flag(help: "Print JSON.")
        var json = false

        struct Output: Encodable {
            struct Installed: Encodable { let name: String, folder: String, bytes: Int64 }
            struct Known: Encodable {
                let name: String, repository: String, labels: [String], approximate_bytes: Int, licence: String
                let commercial_use: Bool, installed: Bool
            }
            let installed: [Installed]
            let catalogue: [Known]
        }

        func run() throws {
            let store = ModelsCommand.store()
            let installed = store.installed()
            if json {
                let output = Output(
                    installed: installed.map { .init(name: $0.name, folder: $0.folder.path, bytes: $0.bytes) },
                    catalogue: CatalogModel.all.map { model in
                        .init(name: model.name, repository: model.repository, labels: model.labels, approximate_bytes: model.approximateBytes,
                              licence: model.licence, commercial_use: model.allowsCommercialUse, installed: installed.contains { $0.name == model.name })
                    })
                print(try OrderedJSONEncoder().encode(output))
                return
            }
            print("Installed in \(store.folder.path):")
            if installed.isEmpty { print("  none (voice-emotion models pull \(CatalogModel.defaultName))") }
            // Names in full (padding(toLength:) would cut "test-org--tiny-model" short): each is what --model takes.
            let width = max(15, installed.map(\.name.count).max() ?? 0)
            for model in installed { print("  \(model.name.rightPadded(to: width)) \(ModelsCommand.size(model.bytes))") }
            print("Catalogue:")
            for model in CatalogModel.all {
                let mark = installed.contains { $0.name == model.name } ? "*" : " "
                print("\(mark) \(model.name.rightPadded(to: 14)) ~\(ModelsCommand.size(Int64(model.approximateBytes))), \(model.licence)")
                print("    \(model.repository)")
                print("    \(model.labels.joined(separator: ", "))")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an installed model (and any partial download of it).")

        @Argument(help: "A catalogue name or owner/repository.")
        var name: String

        func run() throws {
            do { try ModelsCommand.store().remove(name) } catch {
                printError("error: \(shellText(error))")
                throw ExitCode.failure
            }
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a hub folder with pytorch_model.bin into the layout VoiceEmotion loads (no Python).",
            discussion: "DST_DIR gets config.json, preprocessor_config.json and model.safetensors with the same tensor names.")

        @Argument(help: "Folder with config.json, preprocessor_config.json and pytorch_model.bin (or model.safetensors).")
        var source: String

        @Argument(help: "Folder to write (may be the same).")
        var destination: String

        @Option(help: "Float precision of the weights: f32 or f16.")
        var dtype: String = "f32"

        func validate() throws {
            if ConvertedPrecision(rawValue: dtype) == nil { throw ValidationError("--dtype must be f32 or f16.") }
        }

        func run() throws {
            let bar = ProgressBar(label: "convert")
            do {
                let count = try ModelConversion.convert(source: source, destination: destination, precision: ConvertedPrecision(rawValue: dtype)!) {
                    bar.update($0)
                }
                bar.finish()
                printError("wrote \(count) tensors (\(dtype)) to \(destination)")
            } catch {
                bar.finish()
                printError("error: \(shellText(error))")
                throw ExitCode.failure
            }
        }
    }
}

/// The progress bar fed from URLSession's delegate queue.
final class SharedBar: @unchecked Sendable {
    private let bar: ProgressBar
    private let lock = NSLock()
    init(_ bar: ProgressBar) { self.bar = bar }

    func show(_ update: PullProgress) {
        lock.withLock {
            var stage = update.file
            if update.bytesReceived > 0 {
                stage += " \(ModelsCommand.size(update.bytesReceived))"
                if let total = update.totalBytes { stage += "/\(ModelsCommand.size(total))" }
                stage += String(format: ", %.1f MB/s", update.bytesPerSecond / 1e6)
            }
            let fraction = update.totalBytes.map { $0 > 0 ? Double(update.bytesReceived) / Double($0) : 0 } ?? 0
            bar.update(fraction, stage: stage, remaining: update.secondsRemaining)
        }
    }
}
