// `Decodable` types from a strictly parsed JSON document, with errors that name the field, the
// value found and what was expected ("hidden_size = 32.5: expected an integer").
//
// Foundation's JSONDecoder reports `32.5` for an Int, `2^64`, or `1e300` for a Float as "The given
// data was not valid JSON", and keeps the last of two equal keys. Here numbers are never
// converted lossily: an integer field takes only an integer literal that fits the type, a Float
// only a finite number within Float's range.

/// Why a value could not be decoded: the field (`conv_stride[6]`), what was found, what was expected.
package struct JSONFieldError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Dotted path of the field, array indices in brackets (`id2label.3`, `conv_stride[6]`).
    package let field: String
    /// The value found, rendered short ("32.5", "\"gelu\"", "missing").
    package let found: String
    /// What the field takes ("an integer", "a number within the range of a 32-bit float").
    package let expected: String

    /// `field = found: expected ...`.
    package var description: String { "\(field) = \(found): expected \(expected)" }

    package init(field: String, found: String, expected: String) {
        self.field = field
        self.found = found
        self.expected = expected
    }

    init(_ path: [CodingKey], _ value: JSONValue?, expected: String) {
        self.init(field: Self.render(path), found: value?.summary ?? "missing", expected: expected)
    }

    /// `a.b[3].c` from a coding path.
    static func render(_ path: [CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue, key.stringValue == "Index \(index)" {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "(document)" : text
    }
}

/// Decodes `Decodable` values from a `JSONValue` tree without lossy conversions. Missing keys and
/// `null` behave as with JSONDecoder (`decodeIfPresent` gives nil); every failure is a `JSONFieldError`.
package struct StrictJSONDecoder {
    package init() {}

    /// Decodes `type` from `value`.
    package func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(JSONFieldError) -> T {
        do {
            return try T(from: ValueDecoder(value: value, codingPath: []))
        } catch let error as JSONFieldError {
            throw error
        } catch let error as DecodingError {
            throw Self.fieldError(error)
        } catch {
            throw JSONFieldError(field: "(document)", found: "\(error)", expected: "a decodable value")
        }
    }

    /// A type's own `DecodingError` (thrown by its `init(from:)`), in the same vocabulary.
    private static func fieldError(_ error: DecodingError) -> JSONFieldError {
        switch error {
        case .keyNotFound(let key, let context):
            return JSONFieldError(field: JSONFieldError.render(context.codingPath + [key]), found: "missing", expected: "a value")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return JSONFieldError(field: JSONFieldError.render(context.codingPath), found: "a bad value", expected: context.debugDescription)
        @unknown default:
            return JSONFieldError(field: "(document)", found: "a bad value", expected: "\(error)")
        }
    }
}

/// A coding key for array positions and dictionary keys.
private struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init(intValue: Int) { stringValue = "Index \(intValue)"; self.intValue = intValue }
}

// MARK: - Scalars

private func decodeBool(_ value: JSONValue, _ path: [CodingKey]) throws(JSONFieldError) -> Bool {
    guard case .bool(let b) = value else { throw JSONFieldError(path, value, expected: "true or false") }
    return b
}

private func decodeString(_ value: JSONValue, _ path: [CodingKey]) throws(JSONFieldError) -> String {
    guard case .string(let s) = value else { throw JSONFieldError(path, value, expected: "a string") }
    return s
}

private func decodeInteger<T: FixedWidthInteger>(_ value: JSONValue, _ path: [CodingKey]) throws(JSONFieldError) -> T {
    switch value {
    case .integer(let v):
        if let exact = T(exactly: v) { return exact }
    case .number(let d) where d.isFinite && d.rounded() == d:
        break  // integral but beyond Int64: out of range below
    default:
        throw JSONFieldError(path, value, expected: "an integer")
    }
    throw JSONFieldError(path, value, expected: "a\(T.isSigned ? " signed" : "n unsigned") \(T.bitWidth)-bit integer")
}

private func decodeDouble(_ value: JSONValue, _ path: [CodingKey]) throws(JSONFieldError) -> Double {
    switch value {
    case .integer(let v): return Double(v)
    case .number(let d) where d.isFinite: return d
    case .number: throw JSONFieldError(path, value, expected: "a finite number")
    default: throw JSONFieldError(path, value, expected: "a number")
    }
}

private func decodeFloat(_ value: JSONValue, _ path: [CodingKey]) throws(JSONFieldError) -> Float {
    let d = try decodeDouble(value, path)
    let f = Float(d)
    guard f.isFinite else { throw JSONFieldError(path, value, expected: "a number within the range of a 32-bit float (±3.4e38)") }
    return f
}

// MARK: - Decoder and containers

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw JSONFieldError(codingPath, value, expected: "an object") }
        var table: [String: JSONValue] = [:]
        for member in members { table[member.key] = member.value }  // keys are unique: the parser checks
        return KeyedDecodingContainer(KeyedContainer<Key>(members: table, order: members.map(\.key), codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw JSONFieldError(codingPath, value, expected: "an array") }
        return UnkeyedContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { SingleValueContainer(value: value, codingPath: codingPath) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let order: [String]
    let codingPath: [CodingKey]

    var allKeys: [Key] { order.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func member(_ key: Key) throws(JSONFieldError) -> JSONValue {
        guard let value = members[key.stringValue] else { throw JSONFieldError(codingPath + [key], nil, expected: "a value") }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key) == .null }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeBool(member(key), codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodeString(member(key), codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeDouble(member(key), codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decodeFloat(member(key), codingPath + [key]) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decodeInteger(member(key), codingPath + [key]) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodeInteger(member(key), codingPath + [key]) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: ValueDecoder(value: member(key), codingPath: codingPath + [key]))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: member(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try ValueDecoder(value: member(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> Decoder {
        ValueDecoder(value: members["super"] ?? .null, codingPath: codingPath + [AnyKey(stringValue: "super")])
    }
    func superDecoder(forKey key: Key) throws -> Decoder { ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key]) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [CodingKey]
    var currentIndex = 0

    init(elements: [JSONValue], codingPath: [CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws(JSONFieldError) -> (JSONValue, [CodingKey]) {
        let path = codingPath + [AnyKey(intValue: currentIndex)]
        guard currentIndex < elements.count else { throw JSONFieldError(path, nil, expected: "another element") }
        defer { currentIndex += 1 }
        return (elements[currentIndex], path)
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < elements.count, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { let (v, p) = try next(); return try decodeBool(v, p) }
    mutating func decode(_ type: String.Type) throws -> String { let (v, p) = try next(); return try decodeString(v, p) }
    mutating func decode(_ type: Double.Type) throws -> Double { let (v, p) = try next(); return try decodeDouble(v, p) }
    mutating func decode(_ type: Float.Type) throws -> Float { let (v, p) = try next(); return try decodeFloat(v, p) }
    mutating func decode(_ type: Int.Type) throws -> Int { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { let (v, p) = try next(); return try decodeInteger(v, p) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, p) = try next()
        return try T(from: ValueDecoder(value: v, codingPath: p))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, p) = try next()
        return try ValueDecoder(value: v, codingPath: p).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let (v, p) = try next()
        return try ValueDecoder(value: v, codingPath: p).unkeyedContainer()
    }
    mutating func superDecoder() throws -> Decoder {
        let (v, p) = try next()
        return ValueDecoder(value: v, codingPath: p)
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [CodingKey]

    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decodeBool(value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try decodeString(value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try decodeDouble(value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try decodeFloat(value, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try decodeInteger(value, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decodeInteger(value, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decodeInteger(value, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decodeInteger(value, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decodeInteger(value, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try decodeInteger(value, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeInteger(value, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeInteger(value, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeInteger(value, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeInteger(value, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: ValueDecoder(value: value, codingPath: codingPath)) }
}
