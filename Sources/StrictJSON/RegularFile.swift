// Opening untrusted paths without blocking: a model folder's files may be FIFOs, devices or
// links to them. `open(2)` on a FIFO waits for a writer forever and `/dev/zero` never ends, so
// every file is opened with O_NONBLOCK and refused unless fstat says it is a regular file.

#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// Why a path could not be opened as a regular file.
package enum RegularFileError: Error, Equatable, Sendable {
    /// Nothing at the path (or a component is not a directory).
    case notFound
    /// A directory, FIFO, socket or device (after following links).
    case notRegular
    /// Larger than the caller accepts.
    case tooLarge(size: Int, limit: Int)
    /// Any other failure; the reason is strerror's.
    case unreadable(String)

    /// A readable reason ("not a regular file", "no such file", ...).
    package var reason: String {
        switch self {
        case .notFound: return "no such file"
        case .notRegular: return "not a regular file"
        case .tooLarge(let size, let limit): return "\(size) bytes, more than the \(limit) bytes accepted"
        case .unreadable(let reason): return reason
        }
    }
}

/// Regular-file access that never blocks on FIFOs or devices.
package enum RegularFile {
    /// Opens `path` read-only and returns the descriptor (the caller closes it) and the size.
    package static func open(path: String) throws(RegularFileError) -> (descriptor: Int32, size: Int) {
        let fd = systemOpen(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .notFound }
            throw .unreadable(String(cString: strerror(code)))
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreadable(reason)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .notRegular
        }
        // Regular files ignore O_NONBLOCK; clear it so that later reads behave as usual.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, Int(status.st_size))
    }

    /// Maps a regular file read-only (copy-on-write private mapping). Returns its address, its
    /// size and the function that unmaps it; an empty file maps to nil. Large files are read
    /// this way so their pages are shared with the page cache, not copied.
    package static func map(path: String) throws(RegularFileError) -> (base: UnsafeRawPointer?, size: Int, unmap: @Sendable () -> Void) {
        let (fd, size) = try open(path: path)
        defer { close(fd) }
        guard size > 0 else { return (nil, 0, {}) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .unreadable("mmap failed: \(String(cString: strerror(errno)))")
        }
        let address = UInt(bitPattern: mapped)
        return (UnsafeRawPointer(mapped), size, { munmap(UnsafeMutableRawPointer(bitPattern: address), size) })
    }

    /// Like `map`, keeping the descriptor open (closed by the returned function too), so ranges
    /// of the mapped file can also be copied by the kernel (`sendfile`).
    package static func mapKeepingDescriptor(path: String) throws(RegularFileError)
        -> (descriptor: Int32, base: UnsafeRawPointer?, size: Int, unmap: @Sendable () -> Void) {
        let (fd, size) = try open(path: path)
        guard size > 0 else { return (fd, nil, 0, { close(fd) }) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreadable("mmap failed: \(reason)")
        }
        let address = UInt(bitPattern: mapped)
        return (fd, UnsafeRawPointer(mapped), size, {
            munmap(UnsafeMutableRawPointer(bitPattern: address), size)
            close(fd)
        })
    }

    /// The whole contents of a regular file of at most `limit` bytes.
    package static func read(path: String, limit: Int) throws(RegularFileError) -> [UInt8] {
        let (fd, size) = try open(path: path)
        defer { close(fd) }
        guard size <= limit else { throw .tooLarge(size: size, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, size - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(String(cString: strerror(errno)))
            }
            if n == 0 { break }  // the file shrank while being read
            done += n
        }
        return done == size ? bytes : Array(bytes[0..<done])
    }
}

// The system calls, under names that do not clash with the methods above.
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 {
    #if canImport(Darwin)
    return Darwin.open(path, flags)
    #else
    return Glibc.open(path, flags)
    #endif
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.read(fd, buffer, count)
    #else
    return Glibc.read(fd, buffer, count)
    #endif
}
