import StreamScoreContract

/// A parsed JSON value. The gateway's bodies are small, so a tree is cheap, and having one lets
/// error messages name the exact place (`data[1][2]`) of a bad value.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short name of the value's type for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var numberValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
}

/// A JSON object, keeping member order. Lookups take the first member with the key.
struct JSONObject: Sendable, Equatable {
    var members: [(key: String, value: JSONValue)]

    init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    subscript(key: String) -> JSONValue? {
        for member in members where member.key == key { return member.value }
        return nil
    }

    var keys: [String] { members.map(\.key) }

    static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A JSON syntax error with the byte offset where it was found.
struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    var offset: Int
    var message: String

    var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONWriter {
    /// Writes a number; integral values within ±2⁵³ are written without a fraction.
    mutating func number(_ v: Double) {
        if v.isFinite, v == v.rounded(), abs(v) <= 9_007_199_254_740_992 {
            int(Int64(v))
        } else {
            double(v)
        }
    }

    /// Writes any JSON value.
    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let b): if b { raw("true") } else { raw("false") }
        case .number(let d): number(d)
        case .string(let s): string(s)
        case .array(let items):
            byte(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                self.value(item)
            }
            byte(UInt8(ascii: "]"))
        case .object(let object):
            byte(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { byte(UInt8(ascii: ",")) }
                string(member.key)
                byte(UInt8(ascii: ":"))
                self.value(member.value)
            }
            byte(UInt8(ascii: "}"))
        }
    }

    /// `{"error": message}` plus optional extra string members.
    static func errorBody(_ message: String, extra: [(String, String)] = []) -> [UInt8] {
        var w = JSONWriter(capacity: message.utf8.count + 16)
        w.raw("{\"error\":")
        w.string(message)
        for (key, value) in extra {
            w.byte(UInt8(ascii: ","))
            w.string(key)
            w.byte(UInt8(ascii: ":"))
            w.string(value)
        }
        w.byte(UInt8(ascii: "}"))
        return w.bytes
    }
}
