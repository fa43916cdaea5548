// A typed config from an untrusted JSON file in one call: regular file only, bounded size,
// strict parse (duplicate keys are errors), lossless decode.

/// Why a JSON file could not be turned into a value.
package enum JSONFileError: Error, Equatable, Sendable {
    /// The file could not be opened or read (or is not a regular file, or too large).
    case file(RegularFileError)
    /// The bytes are not JSON within the limits (syntax, duplicate key, limit exceeded).
    case syntax(JSONParseError)
    /// A field has the wrong type or an unrepresentable value.
    case field(JSONFieldError)

    /// A readable reason, without the path.
    package var reason: String {
        switch self {
        case .file(let error): return error.reason
        case .syntax(let error): return error.reason
        case .field(let error): return error.description
        }
    }
}

/// Configs are small: real `config.json` files are a few KB; 16 MB leaves room for huge label maps.
package let maximumJSONFileBytes = 16 << 20

/// Reads, parses and decodes a JSON file strictly.
package func decodeJSONFile<T: Decodable>(_ type: T.Type, path: String, limits: JSONLimits = .init()) throws(JSONFileError) -> T {
    let bytes: [UInt8]
    do { bytes = try RegularFile.read(path: path, limit: maximumJSONFileBytes) } catch { throw .file(error) }
    return try decodeJSON(type, bytes: bytes, limits: limits)
}

/// Parses and decodes JSON bytes strictly.
package func decodeJSON<T: Decodable>(_ type: T.Type, bytes: [UInt8], limits: JSONLimits = .init()) throws(JSONFileError) -> T {
    let value: JSONValue
    do { value = try StrictJSONParser.parse(bytes, limits: limits) } catch { throw .syntax(error) }
    do { return try StrictJSONDecoder().decode(type, from: value) } catch { throw .field(error) }
}
