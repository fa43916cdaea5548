// A small strict JSON parser for untrusted files: safetensors headers and model configs.
//
// Why not JSONSerialization / JSONDecoder: they keep the last of two equal keys silently (a
// duplicate tensor name or config field must be an error), they turn large integers into lossy
// doubles (an overflowing shape must be an error), their messages do not name the field, and
// their behaviour differs between Darwin and swift-corelibs-foundation. This parser also bounds
// what a hostile document can make it allocate (`JSONLimits`).

/// A parsed JSON value. Objects keep their members in file order.
package enum JSONValue: Equatable, Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// An integer literal that fits in `Int64`.
    case integer(Int64)
    /// Any other number (fraction, exponent, or an integer too large for `Int64`); may be
    /// infinite when the literal overflows a Double (`1e400`).
    case number(Double)
    case bool(Bool)
    case null

    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let a), .array(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// A short rendering for error messages (strings quoted, containers summarised).
    package var summary: String {
        switch self {
        case .object(let members): return "an object of \(members.count) members"
        case .array(let elements): return "an array of \(elements.count) elements"
        case .string(let s): return s.count > 40 ? "\"\(s.prefix(40))…\"" : "\"\(s)\""
        case .integer(let i): return String(i)
        case .number(let d): return "\(d)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }
}

/// Why a document failed to parse.
package enum JSONParseError: Error, Equatable, Sendable {
    /// Not JSON: the reason names the byte offset.
    case syntax(String)
    /// An object repeats a key; `topLevel` tells a header's tensor names from nested fields.
    case duplicateKey(String, topLevel: Bool)
    /// The document exceeds one of the `JSONLimits`.
    case limitExceeded(String)

    /// A readable reason.
    package var reason: String {
        switch self {
        case .syntax(let reason), .limitExceeded(let reason): return reason
        case .duplicateKey(let key, _): return "duplicate key '\(key)'"
        }
    }
}

/// Bounds on what one document may make the parser allocate, so that a hostile file fails
/// quickly instead of taking gigabytes (a 100 MB array of zeros would otherwise become ~50 M
/// enum values).
package struct JSONLimits: Sendable {
    /// Nesting of objects and arrays (no stack overflow on `[[[[...`).
    package var maximumDepth = 64
    /// Elements of one array.
    package var maximumArrayCount = 65_536
    /// Members of one object (the top level too, also when read member by member).
    package var maximumObjectMembers = 65_536
    /// Values of any kind in one document (or in one top-level member, when read member by member).
    package var maximumValues = 1_000_000

    /// The defaults.
    package init() {}
}

/// Recursive-descent parser over UTF-8 bytes. The bytes are borrowed: use the parser only while
/// the buffer it was created with is alive (inside `withUnsafeBytes`).
package struct StrictJSONParser {
    private let bytes: UnsafeRawBufferPointer
    private let limits: JSONLimits
    private var index = 0
    private var depth = 0
    private var values = 0
    // Member-by-member reading of the top-level object.
    private var topLevelKeys = Set<String>()
    private var topLevelMembers = 0
    private var topLevelDone = false

    /// A parser over `bytes` (borrowed; see the type's note).
    package init(bytes: UnsafeRawBufferPointer, limits: JSONLimits = .init()) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Parses one JSON document; trailing whitespace is allowed, anything else is not.
    package static func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .init()) throws(JSONParseError) -> JSONValue {
        var parser = StrictJSONParser(bytes: bytes, limits: limits)
        let value = try parser.parseValue()
        try parser.expectEnd()
        return value
    }

    /// Parses one JSON document held in an array.
    package static func parse(_ bytes: [UInt8], limits: JSONLimits = .init()) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, limits: limits) }
        }
        return try result.get()
    }

    // MARK: - Member by member

    /// Starts reading a document whose top level must be an object, one member at a time (so a
    /// caller can convert and drop each member instead of holding the whole tree).
    package mutating func beginTopLevelObject() throws(JSONParseError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw .syntax("top level is not an object") }
        try enter()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            topLevelDone = true
        }
    }

    /// The next member of the top-level object, or nil after the last one (then the rest of the
    /// document must be whitespace). Each member gets the full `maximumValues` budget.
    package mutating func nextTopLevelMember() throws(JSONParseError) -> (key: String, value: JSONValue)? {
        if topLevelDone {
            try expectEnd()
            return nil
        }
        values = 0
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw .syntax("expected a key at byte \(index)") }
        let key = try parseString()
        guard topLevelKeys.insert(key).inserted else { throw .duplicateKey(key, topLevel: true) }
        topLevelMembers += 1
        guard topLevelMembers <= limits.maximumObjectMembers else {
            throw .limitExceeded("more than \(limits.maximumObjectMembers) members in the top-level object")
        }
        try expect(UInt8(ascii: ":"))
        let value = try parseValue()
        skipWhitespace()
        guard index < bytes.count else { throw .syntax("unterminated object") }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
        } else if bytes[index] == UInt8(ascii: "}") {
            index += 1
            topLevelDone = true
        } else {
            throw .syntax("expected ',' or '}' at byte \(index)")
        }
        return (key, value)
    }

    // MARK: - Grammar

    private mutating func expectEnd() throws(JSONParseError) {
        skipWhitespace()
        guard index == bytes.count else { throw .syntax("unexpected data after the JSON value at byte \(index)") }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else {
            throw .syntax("expected '\(Character(UnicodeScalar(byte)))' at byte \(index)")
        }
        index += 1
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        values += 1
        guard values <= limits.maximumValues else { throw .limitExceeded("more than \(limits.maximumValues) values") }
        skipWhitespace()
        guard index < bytes.count else { throw .syntax("unexpected end of data") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw .syntax("unexpected character at byte \(index)")
        }
    }

    private mutating func parseLiteral(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw .syntax("invalid literal at byte \(index)") }
        for k in 0..<count where bytes[index + k] != word.utf8Start[k] { throw .syntax("invalid literal at byte \(index)") }
        index += count
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= limits.maximumDepth else { throw .limitExceeded("nesting deeper than \(limits.maximumDepth) levels") }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw .syntax("expected a key at byte \(index)") }
            let key = try parseString()
            guard seen.insert(key).inserted else { throw .duplicateKey(key, topLevel: depth == 1) }
            guard members.count < limits.maximumObjectMembers else {
                throw .limitExceeded("more than \(limits.maximumObjectMembers) members in an object")
            }
            try expect(UInt8(ascii: ":"))
            members.append((key, try parseValue()))
            skipWhitespace()
            guard index < bytes.count else { throw .syntax("unterminated object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw .syntax("expected ',' or '}' at byte \(index)")
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            guard elements.count < limits.maximumArrayCount else {
                throw .limitExceeded("more than \(limits.maximumArrayCount) elements in an array")
            }
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw .syntax("unterminated array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw .syntax("expected ',' or ']' at byte \(index)")
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        var result = ""
        var runStart = index  // raw UTF-8 bytes between escapes, validated when flushed
        func flush(upTo end: Int) throws(JSONParseError) {
            guard end > runStart else { return }
            guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self) else {
                throw .syntax("invalid UTF-8 in a string")
            }
            if result.isEmpty { result = text } else { result += text }
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                try flush(upTo: index)
                index += 1
                return result
            case UInt8(ascii: "\\"):
                try flush(upTo: index)
                index += 1
                guard index < bytes.count else { throw .syntax("unterminated string") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): result.unicodeScalars.append("\"")
                case UInt8(ascii: "\\"): result.unicodeScalars.append("\\")
                case UInt8(ascii: "/"): result.unicodeScalars.append("/")
                case UInt8(ascii: "b"): result.unicodeScalars.append("\u{08}")
                case UInt8(ascii: "f"): result.unicodeScalars.append("\u{0C}")
                case UInt8(ascii: "n"): result.unicodeScalars.append("\n")
                case UInt8(ascii: "r"): result.unicodeScalars.append("\r")
                case UInt8(ascii: "t"): result.unicodeScalars.append("\t")
                case UInt8(ascii: "u"): result.unicodeScalars.append(try parseUnicodeEscape())
                default: throw .syntax("invalid escape at byte \(index - 1)")
                }
                runStart = index
            case 0x00..<0x20:
                throw .syntax("control character in a string at byte \(index)")
            default:
                index += 1
            }
        }
        throw .syntax("unterminated string")
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .syntax("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            index += 1
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw .syntax("invalid \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    private mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let first = try parseHex4()
        if (0xD800..<0xDC00).contains(first) {
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw .syntax("unpaired surrogate in a \\u escape")
            }
            index += 2
            let second = try parseHex4()
            guard (0xDC00..<0xE000).contains(second) else { throw .syntax("unpaired surrogate in a \\u escape") }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(first) else { throw .syntax("unpaired surrogate in a \\u escape") }
        return scalar
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        var isInteger = true
        func digits() -> Int {
            let begin = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - begin
        }
        let integerDigits = digits()
        guard integerDigits > 0 else { throw .syntax("invalid number at byte \(start)") }
        // JSON forbids leading zeros ("01"): a hand-edited config with one is a typo, not octal.
        let first = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
        guard integerDigits == 1 || bytes[first] != UInt8(ascii: "0") else { throw .syntax("number with a leading zero at byte \(start)") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits() > 0 else { throw .syntax("invalid number at byte \(start)") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw .syntax("invalid number at byte \(start)") }
        }
        // Very long literals are not numbers anyone writes; bounding them bounds the copy below.
        guard index - start <= 400 else { throw .limitExceeded("number literal longer than 400 characters at byte \(start)") }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw .syntax("invalid number at byte \(start)") }
        return .number(value)
    }
}
