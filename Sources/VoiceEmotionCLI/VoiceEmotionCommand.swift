// `voice-emotion`: the command-line face of the library.

import ArgumentParser

@main
struct VoiceEmotionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voice-emotion",
        abstract: "On-device speech emotion and stress measurement.",
        subcommands: [AnalyzeCommand.self, VADCommand.self, ClassifyCommand.self, InfoCommand.self, ModelsCommand.self, JournalCommand.self, DashboardCommand.self, LiveCommand.self, ProsodyCommand.self])
}
