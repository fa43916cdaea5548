// A local stand-in for the Hugging Face hub (fake_hub.py beside this file, Python's http.server
// on 127.0.0.1), started and stopped by the tests that pull models.

import Foundation

/// A fake hub serving copies of fixture folders as repositories, for the life of the value.
/// Repository names choose behaviours (see fake_hub.py): `private-*`, `flaky-*`, `corrupt-*`,
/// `redirect-*`, `slow-*`.
public final class FakeHub: @unchecked Sendable {
    /// Where the served repositories are copied.
    public let root: URL
    /// `http://127.0.0.1:PORT`, for `HF_ENDPOINT` or `ModelStore(endpoint:)`.
    public let endpoint: URL
    private let process = Process()
    private let input = Pipe()

    /// The repository's root folder (the tests find fixtures from here).
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts a server; `repositories` maps "owner/name" to the folder whose files it serves.
    /// `plain`: no ETag, no checksums, no ranges (a plain static file server).
    public init(_ repositories: [String: URL], plain: Bool = false) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("fake-hub-\(UUID())")
        for (name, folder) in repositories {
            let target = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: folder, to: target)
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.repository.appendingPathComponent("Tests/TestSupport/FakeHub/fake_hub.py").path,
                             "--root", root.path] + (plain ? ["--plain"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        // The first line is "PORT <n>".
        var line = Data()
        while !line.contains(0x0A), let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty { line.append(byte) }
        guard let port = String(decoding: line, as: UTF8.self).split(separator: " ").last
            .flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "fake_hub.py did not start (is python3 installed?)"])
        }
        endpoint = URL(string: "http://127.0.0.1:\(port)")!
    }

    deinit {
        try? input.fileHandleForWriting.close()  // the server stops when its input closes
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: root)
    }
}
