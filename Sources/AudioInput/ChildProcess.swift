// A child process whose standard output is read in blocks: how the ffmpeg program decodes
// formats libsndfile cannot. Arguments go as an array (no shell), standard input is /dev/null,
// standard error is collected for messages, a child that stops producing output is killed after
// a timeout, and a child that is no longer wanted (an error, an early stop, a cancelled analysis)
// is killed and reaped when this object goes away: no zombie is left behind.

import Foundation
import VoiceEmotionCore

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// A running child process with pipes on its standard output and standard error.
final class ChildProcess {
    /// The program, for messages.
    let executable: String
    private(set) var pid: pid_t
    private var output: Int32
    private var errors: Int32
    private var errorText: [UInt8] = []
    private var exitStatus: Int32?
    /// Seconds without any output after which the child counts as stalled.
    let stallTimeout: Double

    /// Most standard-error bytes kept for messages.
    private static let errorLimit = 16_384

    /// Starts `executable` (an absolute path) with `arguments`.
    init(executable: String, arguments: [String], stallTimeout: Double) throws {
        self.executable = executable
        self.stallTimeout = stallTimeout
        var outputPipe: [Int32] = [-1, -1], errorPipe: [Int32] = [-1, -1]
        guard pipe(&outputPipe) == 0 else { throw Self.failure(executable, "pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errorPipe) == 0 else {
            close(outputPipe[0]); close(outputPipe[1])
            throw Self.failure(executable, "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in [outputPipe[0], errorPipe[0]] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        for fd in [outputPipe[0], outputPipe[1], errorPipe[0], errorPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = argv.withUnsafeBufferPointer { args in
            posix_spawn(&child, executable, &actions, nil, UnsafeMutablePointer(mutating: args.baseAddress!), environ)
        }
        close(outputPipe[1])
        close(errorPipe[1])
        guard status == 0 else {
            close(outputPipe[0]); close(errorPipe[0])
            throw Self.failure(executable, String(cString: strerror(status)))
        }
        pid = child
        output = outputPipe[0]
        errors = errorPipe[0]
    }

    deinit { terminate() }

    private static func failure(_ executable: String, _ reason: String) -> VoiceEmotionError {
        .unreadableFile(path: executable, reason: "cannot start: \(reason)")
    }

    /// What the child wrote on standard error so far (trimmed, at most 16 KB).
    var errorOutput: String {
        String(decoding: errorText, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads up to `count` bytes of standard output into `buffer` (draining standard error
    /// meanwhile); returns 0 at the end of the output. Throws `stalled` when nothing arrives for
    /// `stallTimeout` seconds (the child is then killed).
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        guard output >= 0 else { return 0 }
        var waited = 0.0
        while true {
            var fds = [pollfd(fd: output, events: Int16(POLLIN), revents: 0), pollfd(fd: errors, events: Int16(POLLIN), revents: 0)]
            let slice = 0.25
            let ready = poll(&fds, errors >= 0 ? 2 : 1, Int32(slice * 1000))
            if ready < 0 {
                if errno == EINTR { continue }
                throw VoiceEmotionError.corruptAudio(path: executable, reason: "poll: \(String(cString: strerror(errno)))")
            }
            if ready == 0 {
                waited += slice
                if waited >= stallTimeout {
                    terminate()
                    throw ChildProcessError.stalled(seconds: stallTimeout)
                }
                continue
            }
            if errors >= 0, fds[1].revents != 0 { drainErrors() }
            if fds[0].revents != 0 {
                let n = Glibc_read(output, buffer, count)
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw VoiceEmotionError.corruptAudio(path: executable, reason: "read: \(String(cString: strerror(errno)))")
                }
                if n == 0 {
                    close(output)
                    output = -1
                }
                return n
            }
        }
    }

    private func drainErrors() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { Glibc_read(errors, $0.baseAddress!, $0.count) }
        if n <= 0 {
            close(errors)
            errors = -1
            return
        }
        if errorText.count < Self.errorLimit { errorText += chunk[0..<min(n, Self.errorLimit - errorText.count)] }
    }

    /// Waits for the child to exit (after its output ended) and returns its exit status
    /// (128 + signal for a killed child).
    func wait() -> Int32 {
        while errors >= 0 { drainErrors() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        exitStatus = code
        return code
    }

    /// Kills the child if it still runs, and reaps it.
    func terminate() {
        if output >= 0 { close(output); output = -1 }
        if errors >= 0 { close(errors); errors = -1 }
        guard exitStatus == nil else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        exitStatus = 128 + SIGKILL
    }
}

/// Failures of the child itself (mapped to `VoiceEmotionError` by the decoder, which knows the file).
enum ChildProcessError: Error {
    /// No output for this long.
    case stalled(seconds: Double)
}

/// `read(2)` under a name that does not clash with the method.
private func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.read(fd, buffer, count)
    #else
    return Glibc.read(fd, buffer, count)
    #endif
}
