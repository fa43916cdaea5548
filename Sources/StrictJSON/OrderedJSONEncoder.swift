// JSON text from `Encodable` values with object keys in the order they were encoded, so output
// reads in the documented order and is the same on every run and platform (Foundation's
// JSONEncoder orders keys by hash on Linux). Floats print in their own shortest form (0.1 as a
// Float prints 0.1, not 0.10000000149011612); NaN and infinity print as null.

/// Encodes `Encodable` values as compact, key-ordered JSON.
package struct OrderedJSONEncoder {
    /// Prints every non-integral number (e.g. rounded to 6 decimals: `0.29660000000000003` →
    /// `0.2966`); nil: its exact shortest form.
    package var numberText: (@Sendable (Double) -> String)?

    package init(numberText: (@Sendable (Double) -> String)? = nil) { self.numberText = numberText }

    /// The JSON text of `value`.
    package func encode<T: Encodable>(_ value: T) throws -> String {
        let root = Node.Box()
        try value.encode(to: NodeEncoder(box: root, codingPath: []))
        var text = ""
        root.resolved().write(to: &text, numberText: numberText)
        return text
    }
}

/// `text` as a JSON string literal, quoted, with the escapes JSON requires (for code that writes
/// small JSON texts by hand: safetensors headers, the journal's score lists).
package func jsonStringLiteral(_ text: String) -> String {
    var out = ""
    Node.quote(text, into: &out)
    return out
}

/// An encoded value being built.
private indirect enum Node {
    case object([(String, Node)])
    case array([Node])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A mutable slot, so nested containers can fill their part after being handed out.
    final class Box {
        var node: Node = .null
        /// Members of an object in encode order (a repeated key replaces its value in place).
        var members: [(String, Box)] = []
        var elements: [Box] = []
        var kind: Kind = .value
        enum Kind { case value, object, array }

        func resolved() -> Node {
            switch kind {
            case .value: return node
            case .object: return .object(members.map { ($0.0, $0.1.resolved()) })
            case .array: return .array(elements.map { $0.resolved() })
            }
        }
    }

    func write(to text: inout String, numberText: (@Sendable (Double) -> String)? = nil) {
        switch self {
        case .object(let members):
            text += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { text += "," }
                Node.quote(key, into: &text)
                text += ":"
                value.write(to: &text, numberText: numberText)
            }
            text += "}"
        case .array(let elements):
            text += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { text += "," }
                element.write(to: &text, numberText: numberText)
            }
            text += "]"
        case .string(let s): Node.quote(s, into: &text)
        case .number(let n):
            if let numberText, n.contains(where: { $0 == "." || $0 == "e" }), let value = Double(n) {
                text += numberText(value)
            } else {
                text += n
            }
        case .bool(let b): text += b ? "true" : "false"
        case .null: text += "null"
        }
    }

    static func quote(_ s: String, into text: inout String) {
        text += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) -> Node {
        guard value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }  // 3.0 -> 3
        return .number(value.description)
    }
}

private struct NodeEncoder: Encoder {
    let box: Node.Box
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        box.kind = .object
        return KeyedEncodingContainer(KeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        box.kind = .array
        return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { SingleValueContainer(box: box, codingPath: codingPath) }
}

/// Encodes one value into a box: scalars directly, everything else through its own `encode(to:)`.
private func encodeValue<T: Encodable>(_ value: T, into box: Node.Box, codingPath: [CodingKey]) throws {
    switch value {
    case let v as String: box.node = .string(v)
    case let v as Bool: box.node = .bool(v)
    case let v as Double: box.node = Node.number(v)
    case let v as Float: box.node = Node.number(v)
    case let v as Int: box.node = .number(String(v))
    case let v as any FixedWidthInteger: box.node = .number("\(v)")
    default: try value.encode(to: NodeEncoder(box: box, codingPath: codingPath))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: Node.Box
    let codingPath: [CodingKey]

    private func slot(_ key: Key) -> Node.Box {
        if let existing = box.members.first(where: { $0.0 == key.stringValue }) { return existing.1 }
        let child = Node.Box()
        box.members.append((key.stringValue, child))
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { slot(key).node = .null }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encodeValue(value, into: slot(key), codingPath: codingPath + [key])
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(box: slot(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        NodeEncoder(box: slot(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder { NodeEncoder(box: box, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> Encoder { NodeEncoder(box: slot(key), codingPath: codingPath + [key]) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: Node.Box
    let codingPath: [CodingKey]
    var count: Int { box.elements.count }

    private func next() -> Node.Box {
        let child = Node.Box()
        box.elements.append(child)
        return child
    }

    mutating func encodeNil() throws { next().node = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: next(), codingPath: codingPath) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(box: next(), codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { NodeEncoder(box: next(), codingPath: codingPath).unkeyedContainer() }
    mutating func superEncoder() -> Encoder { NodeEncoder(box: next(), codingPath: codingPath) }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let box: Node.Box
    let codingPath: [CodingKey]

    mutating func encodeNil() throws { box.node = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: box, codingPath: codingPath) }
}
