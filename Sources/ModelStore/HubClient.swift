// HTTP for the model store, through Foundation's URLSession (FoundationNetworking on Linux):
// the hub's file layout `ENDPOINT/REPO/resolve/REV/FILE`, HEAD to see which files a repository
// has, and downloads streamed to disk with Range resume, progress and a running SHA-256. The
// LFS checksum comes from `X-Linked-Etag` (on the hub's redirect) or `ETag`; a server without
// them (a plain static server) works too, without verification.

import Foundation
import VoiceEmotionCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where a hub lives and how to authenticate.
struct HubClient: Sendable {
    /// `$HF_ENDPOINT`, else the Hugging Face hub.
    let endpoint: URL
    /// `$HF_TOKEN`, else the token file `huggingface-cli login` writes.
    let token: String?
    /// Seconds to wait for a server to answer before giving up (each request).
    let connectTimeout: Double
    /// A transfer that brings less than `Transfer.stallBytes` in this many seconds is stopped.
    var stallSeconds: Double = 60

    static func fromEnvironment(connectTimeout: Double = 30) -> HubClient {
        let environment = ProcessInfo.processInfo.environment
        let endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) } ?? URL(string: "https://huggingface.co")!
        var token = environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if token == nil {
            let home = environment["HF_HOME"].map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/huggingface")
            token = (try? String(contentsOf: home.appendingPathComponent("token"), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if token?.isEmpty == true { token = nil }
        }
        return HubClient(endpoint: endpoint, token: token, connectTimeout: connectTimeout)
    }

    /// `ENDPOINT/REPO/resolve/REV/FILE`.
    func url(repository: String, revision: String, file: String) -> URL {
        endpoint.appendingPathComponent(repository).appendingPathComponent("resolve").appendingPathComponent(revision).appendingPathComponent(file)
    }

    func request(_ url: URL, method: String = "GET", range from: Int64 = 0) -> URLRequest {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: connectTimeout)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if from > 0 { request.setValue("bytes=\(from)-", forHTTPHeaderField: "Range") }
        request.setValue("voice-emotion", forHTTPHeaderField: "User-Agent")
        return request
    }

    /// What a HEAD of a file says: whether it exists, its size and SHA-256 when announced.
    struct Head {
        let exists: Bool
        let size: Int64?
        let sha256: String?
    }

    /// HEAD a file: 200 (after redirects) means it exists, 404 that it does not; anything else
    /// is an error naming the repository and file.
    func head(repository: String, revision: String, file: String) async throws -> Head {
        let outcome = try await exchange(repository: repository, file: file,
                                         request(url(repository: repository, revision: revision, file: file), method: "HEAD"))
        switch outcome.status {
        case 200, 206: return Head(exists: true, size: outcome.size, sha256: outcome.sha256Announced)
        case 404: return Head(exists: false, size: nil, sha256: nil)
        default: throw failure(repository: repository, file: file, status: outcome.status)
        }
    }

    /// A small file's bytes.
    func get(repository: String, revision: String, file: String) async throws -> Data {
        let outcome = try await exchange(repository: repository, file: file, request(url(repository: repository, revision: revision, file: file)))
        guard outcome.status == 200 else { throw failure(repository: repository, file: file, status: outcome.status) }
        return outcome.body
    }

    /// One small exchange (kept in memory), transport errors named with the repository and file.
    private func exchange(repository: String, file: String, _ request: URLRequest) async throws -> Transfer.Outcome {
        do {
            let transfer = Transfer(destination: nil, resumeFrom: 0, token: token, stallSeconds: stallSeconds, progress: nil)
            let outcome = try await transfer.run(request)
            if transfer.stalled { throw stall(repository: repository, file: file) }
            if transfer.bodyTooLarge {
                throw VoiceEmotionError.downloadFailed(repo: repository, file: file,
                    reason: "the file is larger than \(Transfer.maximumBodyBytes >> 20) MB, which a configuration never is")
            }
            return outcome
        } catch let error as URLError where error.code == .cancelled {
            throw VoiceEmotionError.cancelled
        } catch let error as URLError {
            throw VoiceEmotionError.downloadFailed(repo: repository, file: file, reason: Self.describe(error))
        }
    }

    /// The error of a transfer that stalled.
    func stall(repository: String, file: String) -> VoiceEmotionError {
        .downloadFailed(repo: repository, file: file,
                        reason: "the server sent less than \(Transfer.stallBytes >> 10) kB in \(String(format: "%g", stallSeconds)) s; try again later (the download resumes)")
    }

    /// The error of an HTTP status, in words that say what to do.
    func failure(repository: String, file: String, status: Int) -> VoiceEmotionError {
        let reason: String
        switch status {
        case 401, 403:
            // The hub answers 401 both for private or gated repositories and for names that do not exist.
            reason = token == nil
                ? "the hub requires authorization (HTTP \(status)): check the repository name; if it is private or gated, set HF_TOKEN"
                : "the token was refused (HTTP \(status)): check the repository name, and that HF_TOKEN can read it"
        case 404: reason = "not found (HTTP 404): check the repository name and revision"
        default: reason = "the server answered HTTP \(status)"
        }
        return .downloadFailed(repo: repository, file: file, reason: reason)
    }

    /// Downloads a file to `destination`, resuming from the bytes already there when the
    /// server supports ranges, retrying a dropped connection a few times. Verifies the SHA-256
    /// when one is announced (else returns without checking). `progress` gets (received, total).
    func download(repository: String, revision: String, file: String, to destination: URL,
                  progress: (@Sendable (Int64, Int64?) -> Void)?) async throws {
        var attempts = 0
        while true {
            attempts += 1
            let existing = (try? FileManager.default.attributesOfItem(atPath: destination.path)[.size] as? Int64) ?? 0
            let transfer = Transfer(destination: destination, resumeFrom: existing, token: token, stallSeconds: stallSeconds, progress: progress)
            let outcome: Transfer.Outcome
            do {
                outcome = try await transfer.run(request(url(repository: repository, revision: revision, file: file), range: existing))
            } catch let error as URLError where error.code != .cancelled && attempts < 5 && transfer.receivedBytes > 0 {
                continue  // the connection dropped after some bytes: resume from them
            } catch let error as URLError where error.code == .cancelled {
                throw VoiceEmotionError.cancelled
            } catch let error as URLError {
                throw VoiceEmotionError.downloadFailed(repo: repository, file: file, reason: Self.describe(error))
            }
            if let writeError = transfer.writeError {
                throw VoiceEmotionError.downloadFailed(repo: repository, file: file, reason: "cannot write \(destination.path): \(writeError) (disk full?)")
            }
            if transfer.stalled { throw stall(repository: repository, file: file) }
            if outcome.status == 416 {  // the range starts at or past the end: start over
                try? FileManager.default.removeItem(at: destination)
                guard attempts < 5 else { throw failure(repository: repository, file: file, status: 416) }
                continue
            }
            guard outcome.status == 200 || outcome.status == 206 else { throw failure(repository: repository, file: file, status: outcome.status) }
            if let total = outcome.size, transfer.receivedBytes < total {
                guard attempts < 5 else {
                    throw VoiceEmotionError.downloadFailed(repo: repository, file: file, reason: "the connection kept dropping (\(transfer.receivedBytes) of \(total) bytes)")
                }
                continue
            }
            if let expected = outcome.sha256Announced {
                let found = try Self.sha256(of: destination)
                guard found == expected else {
                    try? FileManager.default.removeItem(at: destination)
                    throw VoiceEmotionError.checksumMismatch(repo: repository, file: file, expected: expected, found: found)
                }
            }
            return
        }
    }

    /// A file's SHA-256, read in 4 MB blocks.
    static func sha256(of file: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { throw VoiceEmotionError.fileNotFound(path: file.path) }
        defer { try? handle.close() }
        var hash = SHA256()
        while let block = try handle.read(upToCount: 4 << 20), !block.isEmpty {
            block.withUnsafeBytes { hash.update($0) }
        }
        return hash.hexDigest()
    }

    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .notConnectedToInternet, .cannotFindHost, .dnsLookupFailed, .cannotConnectToHost:
            return "the hub cannot be reached (offline?)"
        case .timedOut: return "the hub did not answer in time"
        default: return error.localizedDescription
        }
    }
}

/// One HTTP exchange, its body streamed to a file (or kept, for small files and HEADs).
final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Outcome {
        let status: Int
        /// The whole file's size, when the server says.
        let size: Int64?
        /// The SHA-256 the server announced for the file (an LFS ETag), lower-case hex.
        let sha256Announced: String?
        let body: Data
    }

    private let destination: URL?
    private let token: String?
    private let progress: (@Sendable (Int64, Int64?) -> Void)?
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Outcome, Error>?
    private var handle: FileHandle?
    private var status = 0
    private var total: Int64?
    private var linkedSha: String?
    private var etagSha: String?
    private var body = Data()
    private var resumeFrom: Int64
    /// Bytes of the file on disk after this exchange (resumed bytes included).
    private(set) var receivedBytes: Int64 = 0
    private(set) var writeError: String?
    /// A file kept in memory (a config) was larger than `maximumBodyBytes`.
    private(set) var bodyTooLarge = false
    /// The most a file kept in memory may hold: configs are a few kB. (16 MB let an endless
    /// body queue up to 1.17 GB in URLSession before the cancel took effect.)
    static let maximumBodyBytes = 1 << 20
    /// A transfer that receives less than `stallBytes` in `stallSeconds` is stalled and stopped.
    static let stallBytes: Int64 = 64 << 10
    private let stallSeconds: Double
    private var windowStart = Date(), windowBytes: Int64 = 0
    /// The server sent too little for too long (`stallBytes` per `stallSeconds`).
    private(set) var stalled = false

    init(destination: URL?, resumeFrom: Int64, token: String?, stallSeconds: Double, progress: (@Sendable (Int64, Int64?) -> Void)?) {
        self.stallSeconds = stallSeconds
        self.destination = destination
        self.resumeFrom = resumeFrom
        self.token = token
        self.progress = progress
        receivedBytes = resumeFrom
    }

    /// Runs the request; task cancellation cancels it (then `URLError.cancelled` is thrown).
    func run(_ request: URLRequest) async throws -> Outcome {
        // The request's own timeout is not honoured by every URLSession (Linux's waited 60 s
        // whatever it said): the configuration's is.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = request.timeoutInterval
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                lock.withLock { self.continuation = continuation }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    private static func sha(_ value: String?) -> String? {
        guard var text = value?.trimmingCharacters(in: .whitespaces) else { return nil }
        if text.hasPrefix("W/") { text.removeFirst(2) }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return text.count == 64 && text.allSatisfy(\.isHexDigit) ? text.lowercased() : nil
    }

    /// Whether two URLs share scheme, host and port (a missing port is the scheme's default).
    static func sameOrigin(_ a: URL?, _ b: URL?) -> Bool {
        guard let a, let b, let schemeA = a.scheme?.lowercased(), let schemeB = b.scheme?.lowercased() else { return false }
        func port(_ url: URL, _ scheme: String) -> Int? { url.port ?? ["http": 80, "https": 443][scheme] }
        return schemeA == schemeB && a.host?.lowercased() == b.host?.lowercased() && port(a, schemeA) == port(b, schemeB)
    }

    private static func header(_ response: HTTPURLResponse, _ name: String) -> String? {
        response.allHeaderFields.first { ($0.key as? String)?.caseInsensitiveCompare(name) == .orderedSame }?.value as? String
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        // The hub's LFS checksum and size are on the redirect to its CDN.
        lock.withLock {
            linkedSha = Self.sha(Self.header(response, "X-Linked-Etag")) ?? linkedSha
            if let size = Self.header(response, "X-Linked-Size").flatMap(Int64.init) { total = size }
        }
        var next = request
        // The token goes only where it was meant to: the same scheme, host and port (a redirect
        // to another port, or from https to http, must not carry it).
        if !Self.sameOrigin(request.url, task.originalRequest?.url) { next.setValue(nil, forHTTPHeaderField: "Authorization") }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else { return completionHandler(.cancel) }
        lock.lock()
        status = http.statusCode
        etagSha = Self.sha(Self.header(http, "X-Linked-Etag")) ?? Self.sha(Self.header(http, "ETag"))
        let length = Self.header(http, "Content-Length").flatMap(Int64.init)
        if status == 206, let range = Self.header(http, "Content-Range"), let slash = range.lastIndex(of: "/") {
            total = Int64(range[range.index(after: slash)...]) ?? total
        } else if status == 200 {
            total = total ?? length
            resumeFrom = 0  // the server sent the whole file: start over
            receivedBytes = 0
        }
        // A file kept in memory that announces more than it may hold is refused before its body.
        if destination == nil, let length, length > Transfer.maximumBodyBytes { bodyTooLarge = true }
        let keepGoing = (status == 200 || status == 206) && !bodyTooLarge
        if keepGoing, let destination, dataTask.originalRequest?.httpMethod != "HEAD" {
            if resumeFrom == 0 { _ = FileManager.default.createFile(atPath: destination.path, contents: nil) }
            handle = FileHandle(forWritingAtPath: destination.path)
            _ = try? handle?.seekToEnd()
            if handle == nil { writeError = "cannot open the file" }
        }
        lock.unlock()
        completionHandler(keepGoing && writeError == nil ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        // Once stopped, what URLSession still delivers is dropped at once: cancelling again for
        // every queued chunk kept its queue busy and let a fast server pile up gigabytes.
        if bodyTooLarge || stalled || writeError != nil {
            lock.unlock()
            return
        }
        // A server that trickles (a byte every second never trips an idle timeout) is stopped
        // when a whole window brings less than `stallBytes`.
        let now = Date()
        windowBytes += Int64(data.count)
        if now.timeIntervalSince(windowStart) >= stallSeconds {
            if windowBytes < Transfer.stallBytes {
                stalled = true
                lock.unlock()
                dataTask.cancel()
                return
            }
            (windowStart, windowBytes) = (now, 0)
        }
        if let handle {
            do { try handle.write(contentsOf: data) } catch {
                writeError = "\(error.localizedDescription)"
                lock.unlock()
                dataTask.cancel()
                return
            }
        } else if body.count + data.count <= Transfer.maximumBodyBytes {
            body.append(data)
        } else {
            bodyTooLarge = true
            lock.unlock()
            dataTask.cancel()
            return
        }
        receivedBytes += Int64(data.count)
        let (received, size) = (receivedBytes, total)
        lock.unlock()
        progress?(received, size)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        try? handle?.close()
        handle = nil
        let continuation = self.continuation
        self.continuation = nil
        let outcome = Outcome(status: status, size: total, sha256Announced: linkedSha ?? etagSha, body: body)
        let statusKnown = status != 0
        let ownCancel = writeError != nil || bodyTooLarge || stalled
        lock.unlock()
        if let error = error as? URLError, error.code == .cancelled, statusKnown, !(status == 200 || status == 206) || ownCancel {
            continuation?.resume(returning: outcome)  // we cancelled it ourselves (an error status, or a write error)
        } else if let error {
            continuation?.resume(throwing: error)
        } else {
            continuation?.resume(returning: outcome)
        }
    }
}
