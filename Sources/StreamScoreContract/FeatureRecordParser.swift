#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict, allocation-light JSON parser for feature records.
///
/// It recognises the three record shapes directly instead of building a generic JSON tree, and
/// reports `invalid-json` (with the byte position) or `invalid-record` for anything else.
/// Other top-level keys are validated as JSON and ignored.
public struct FeatureRecordParser: Sendable {
    /// The deepest nesting accepted in ignored values.
    public var maxDepth = 32

    public init() {}

    /// Parses one record value.
    public func parse(_ bytes: ArraySlice<UInt8>) throws(RecordRejection) -> FeatureRecord {
        try bytes.withUnsafeBufferPointer { (buffer) throws(RecordRejection) -> FeatureRecord in
            var cursor = Cursor(buffer: buffer, maxDepth: maxDepth)
            return try cursor.parseRecord()
        }
    }

    /// Parses one record value.
    public func parse(_ bytes: [UInt8]) throws(RecordRejection) -> FeatureRecord {
        try parse(bytes[...])
    }

    /// Parses a record from raw bytes.
    public func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(RecordRejection) -> FeatureRecord {
        var cursor = Cursor(buffer: buffer, maxDepth: maxDepth)
        return try cursor.parseRecord()
    }

    /// The most common shape, `{"id": ..., "features": [numbers and nulls]}` with no other key,
    /// parsed straight into `numbers` (`null` as NaN) without building a ``FeatureRecord``.
    ///
    /// Returns `nil`, with `numbers` unchanged, for anything else: other shapes or keys, strings,
    /// numbers beyond `Float`'s range, invalid JSON. ``parse(_:)`` then gives the record or the
    /// precise rejection, so the fast path never decides a dead letter.
    public func parseNumericFeatures(_ bytes: [UInt8], into numbers: inout [Float]) -> NumericFeatures? {
        parseNumericFeatures(bytes[...], into: &numbers)
    }

    /// ``parseNumericFeatures(_:into:)`` on a slice.
    public func parseNumericFeatures(_ bytes: ArraySlice<UInt8>, into numbers: inout [Float]) -> NumericFeatures? {
        let start = numbers.count
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(buffer: buffer, maxDepth: maxDepth)
            return (try? cursor.parseNumericRecord(into: &numbers)) ?? nil
        }
        if parsed == nil, numbers.count > start { numbers.removeSubrange(start...) }
        return parsed
    }
}

/// What ``FeatureRecordParser/parseNumericFeatures(_:into:)`` read besides the values.
public struct NumericFeatures: Sendable, Equatable {
    /// Where the record id's text sits, as offsets from the start of the parsed bytes: a string's
    /// characters without the quotes, or a number's JSON spelling; `nil` without an id or for
    /// `null`. Only ids whose bytes are their text (printable ASCII, no escapes) take the fast
    /// path, so the bytes can be copied into a JSON string as they are.
    public var id: Range<Int>?
    /// The number of values appended.
    public var count: Int

    public init(id: Range<Int>?, count: Int) {
        self.id = id
        self.count = count
    }
}

private struct Cursor {
    let buffer: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buffer = buffer
        self.maxDepth = maxDepth
    }

    // MARK: Shapes

    mutating func parseRecord() throws(RecordRejection) -> FeatureRecord {
        skipWhitespace()
        guard index < buffer.count else { throw RecordRejection(.empty, "the value is empty") }
        guard buffer[index] == UInt8(ascii: "{") else {
            try skipValue(depth: 0)
            try expectEnd()
            throw RecordRejection(.invalidRecord, "expected a JSON object with \"features\" or \"data\"")
        }
        index += 1
        var id: String?
        var rows: [FeatureRow]?
        var isMultiRow = false
        var sawFeatures = false
        var sawData = false
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                switch key {
                case "id":
                    id = try parseID()
                case "features":
                    sawFeatures = true
                    rows = [try parseRow(context: "features")]
                case "data":
                    sawData = true
                    isMultiRow = true
                    rows = try parseRows()
                default:
                    try skipValue(depth: 1)
                }
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "}") { break }
                guard c == UInt8(ascii: ",") else { throw syntax("expected ',' or '}' in object") }
            }
        }
        try expectEnd()
        if sawFeatures && sawData {
            throw RecordRejection(.invalidRecord, "a record has either \"features\" or \"data\", not both")
        }
        guard let rows else {
            throw RecordRejection(.invalidRecord, "a record needs \"features\" (array or object) or \"data\" (array of rows)")
        }
        return FeatureRecord(id: id, rows: rows, isMultiRow: isMultiRow)
    }

    /// `{"id": ..., "features": [numbers and nulls]}`, or `nil` at the first sign of another
    /// shape (the caller then parses the record fully). Throws on invalid JSON.
    mutating func parseNumericRecord(into numbers: inout [Float]) throws(RecordRejection) -> NumericFeatures? {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { return nil }
        index += 1
        var id: Range<Int>?
        var sawID = false
        var count: Int?
        while true {
            skipWhitespace()
            if !sawID && skipKey("\"id\"") {
                sawID = true
                switch try parsePlainID() {
                case .null: id = nil
                case .text(let text): id = text
                case .needsDecoding: return nil
                }
            } else if count == nil && skipKey("\"features\"") {
                guard peek() == UInt8(ascii: "[") else { return nil }
                index += 1
                var n = 0
                skipWhitespace()
                if peek() == UInt8(ascii: "]") {
                    index += 1
                } else {
                    while true {
                        skipWhitespace()
                        if peek() == UInt8(ascii: "n") {
                            try expectLiteral("null")
                            numbers.append(.nan)
                        } else {
                            guard peek() != UInt8(ascii: "-") || index + 1 >= buffer.count
                                    || buffer[index + 1] != UInt8(ascii: "I") else { return nil }
                            let value = Float(try parseNumber())
                            guard value.isFinite else { return nil }
                            numbers.append(value)
                        }
                        n += 1
                        skipWhitespace()
                        let c = try next()
                        if c == UInt8(ascii: "]") { break }
                        guard c == UInt8(ascii: ",") else { return nil }
                    }
                }
                count = n
            } else {
                return nil
            }
            skipWhitespace()
            let c = try next()
            if c == UInt8(ascii: "}") { break }
            guard c == UInt8(ascii: ",") else { return nil }
        }
        try expectEnd()
        guard let count else { return nil }
        return NumericFeatures(id: id, count: count)
    }

    /// Skips `key` (a quoted object key) and the colon after it, if that is what comes next.
    mutating func skipKey(_ key: StaticString) -> Bool {
        let count = key.utf8CodeUnitCount
        guard index + count <= buffer.count else { return false }
        let p = key.utf8Start
        for i in 0..<count where buffer[index + i] != p[i] { return false }
        var j = index + count
        while j < buffer.count, buffer[j] == 0x20 || buffer[j] == 0x0A || buffer[j] == 0x0D || buffer[j] == 0x09 { j += 1 }
        guard j < buffer.count, buffer[j] == UInt8(ascii: ":") else { return false }
        index = j + 1
        skipWhitespace()
        return true
    }

    enum PlainID {
        case null
        /// The id's text as byte offsets: a string's characters, or a number's spelling.
        case text(Range<Int>)
        /// Escapes, non-ASCII or a value that is no id: the full parser decides.
        case needsDecoding
    }

    /// The id, when its bytes are its text: a string of printable ASCII without escapes, or a number.
    mutating func parsePlainID() throws(RecordRejection) -> PlainID {
        switch peek() {
        case UInt8(ascii: "\""):
            index += 1
            let start = index
            while index < buffer.count {
                let c = buffer[index]
                if c == UInt8(ascii: "\"") {
                    index += 1
                    return .text(start..<index - 1)
                }
                guard c >= 0x20, c < 0x80, c != UInt8(ascii: "\\") else { return .needsDecoding }
                index += 1
            }
            throw syntax("unterminated string")
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            _ = try parseNumber()
            return .text(start..<index)
        default:
            return .needsDecoding
        }
    }

    mutating func parseID() throws(RecordRejection) -> String? {
        switch peek() {
        case UInt8(ascii: "\""): return try parseString()
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            _ = try parseNumber()
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
        default:
            try skipValue(depth: 1)
            throw RecordRejection(.invalidRecord, "\"id\" must be a string or a number")
        }
    }

    mutating func parseRows() throws(RecordRejection) -> [FeatureRow] {
        guard peek() == UInt8(ascii: "[") else {
            try skipValue(depth: 1)
            throw RecordRejection(.invalidRecord, "\"data\" must be an array of rows")
        }
        index += 1
        var rows: [FeatureRow] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            throw RecordRejection(.invalidRecord, "\"data\" has no rows")
        }
        while true {
            skipWhitespace()
            rows.append(try parseRow(context: "data[\(rows.count)]"))
            skipWhitespace()
            let c = try next()
            if c == UInt8(ascii: "]") { break }
            guard c == UInt8(ascii: ",") else { throw syntax("expected ',' or ']' in \"data\"") }
        }
        return rows
    }

    mutating func parseRow(context: @autoclosure () -> String) throws(RecordRejection) -> FeatureRow {
        switch peek() {
        case UInt8(ascii: "["):
            index += 1
            var values: [FeatureValue] = []
            values.reserveCapacity(8)
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return .positional(values)
            }
            while true {
                skipWhitespace()
                values.append(try parseFeatureValue(context: context))
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "]") { break }
                guard c == UInt8(ascii: ",") else { throw syntax("expected ',' or ']' in \(context())") }
            }
            return .positional(values)
        case UInt8(ascii: "{"):
            index += 1
            var values: [NamedFeature] = []
            values.reserveCapacity(8)
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                index += 1
                return .named(values)
            }
            while true {
                skipWhitespace()
                let name = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                values.append(NamedFeature(name: name, value: try parseFeatureValue(context: context)))
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "}") { break }
                guard c == UInt8(ascii: ",") else { throw syntax("expected ',' or '}' in \(context())") }
            }
            return .named(values)
        default:
            try skipValue(depth: 1)
            throw RecordRejection(.invalidRecord, "\(context()) must be an array of values or an object of named values")
        }
    }

    mutating func parseFeatureValue(context: () -> String) throws(RecordRejection) -> FeatureValue {
        guard index < buffer.count else { throw syntax("unexpected end of input") }
        switch buffer[index] {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if buffer[index] == UInt8(ascii: "-"), index + 1 < buffer.count, buffer[index + 1] == UInt8(ascii: "I") {
                index += 1
                try expectLiteral("Infinity")
                return .nonFinite("-Infinity")
            }
            return .number(try parseNumber())
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .missing
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "N"):
            try expectLiteral("NaN")
            return .nonFinite("NaN")
        case UInt8(ascii: "I"):
            try expectLiteral("Infinity")
            return .nonFinite("Infinity")
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            try skipValue(depth: 2)
            throw RecordRejection(.wrongType, "a feature value in \(context()) is a nested array or object")
        default:
            throw syntax("unexpected character '\(Character(Unicode.Scalar(buffer[index])))'")
        }
    }

    // MARK: JSON primitives

    @inline(__always) func peek() -> UInt8 { index < buffer.count ? buffer[index] : 0 }

    @inline(__always) mutating func next() throws(RecordRejection) -> UInt8 {
        guard index < buffer.count else { throw syntax("unexpected end of input") }
        defer { index += 1 }
        return buffer[index]
    }

    @inline(__always) mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ byte: UInt8) throws(RecordRejection) {
        guard index < buffer.count, buffer[index] == byte else {
            throw syntax("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
    }

    mutating func expectLiteral(_ literal: StaticString) throws(RecordRejection) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw syntax("unexpected end of input") }
        let p = literal.utf8Start
        for i in 0..<count where buffer[index + i] != p[i] {
            throw syntax("invalid literal")
        }
        index += count
    }

    mutating func expectEnd() throws(RecordRejection) {
        skipWhitespace()
        if index < buffer.count { throw syntax("unexpected data after the JSON value") }
    }

    func syntax(_ message: String) -> RecordRejection {
        RecordRejection(.invalidJSON, "\(message) at byte \(index)")
    }

    mutating func parseString() throws(RecordRejection) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw syntax("expected a string") }
        index += 1
        let start = index
        // Fast path: no escapes. ASCII needs no validation (decoding is exact for it).
        var ascii = true
        while index < buffer.count {
            let c = buffer[index]
            if c == UInt8(ascii: "\"") {
                let bytes = UnsafeBufferPointer(rebasing: buffer[start..<index])
                let s = ascii ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
                index += 1
                guard let s else { throw syntax("invalid UTF-8 in string") }
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw syntax("control character in string") }
            if c >= 0x80 { ascii = false }
            index += 1
        }
        var bytes = Array(buffer[start..<index])
        while true {
            guard index < buffer.count else { throw syntax("unterminated string") }
            let c = buffer[index]
            index += 1
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw syntax("control character in string") }
            guard c == UInt8(ascii: "\\") else {
                bytes.append(c)
                continue
            }
            let e = try next()
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard peek() == UInt8(ascii: "\\") else { throw syntax("unpaired surrogate") }
                    index += 1
                    try expect(UInt8(ascii: "u"))
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw syntax("invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw syntax("unpaired surrogate")
                }
                guard let u = Unicode.Scalar(scalar) else { throw syntax("invalid unicode escape") }
                bytes.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw syntax("invalid escape")
            }
        }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw syntax("invalid UTF-8 in string") }
        return s
    }

    mutating func parseHex4() throws(RecordRejection) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = try next()
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw syntax("invalid \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Parses a JSON number. Short decimals use an exact fast path; anything else goes to strtod.
    mutating func parseNumber() throws(RecordRejection) -> Double {
        let start = index
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        guard index < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[index]) else {
            throw syntax("invalid number")
        }
        if buffer[index] == UInt8(ascii: "0") {
            index += 1
            if index < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[index]) {
                throw syntax("leading zero in number")
            }
        } else {
            while index < buffer.count, case let c = buffer[index], c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(c - UInt8(ascii: "0")); digits += 1 }
                else { exponent += 1 }
                index += 1
            }
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            var fractionDigits = 0
            while index < buffer.count, case let c = buffer[index], c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(c - UInt8(ascii: "0"))
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                }
                fractionDigits += 1
                index += 1
            }
            if fractionDigits == 0 { throw syntax("invalid number") }
        }
        var explicitExponent = 0
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            var expNegative = false
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") {
                expNegative = peek() == UInt8(ascii: "-")
                index += 1
            }
            var expDigits = 0
            while index < buffer.count, case let c = buffer[index], c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                if explicitExponent < 100_000 { explicitExponent = explicitExponent * 10 + Int(c - UInt8(ascii: "0")) }
                expDigits += 1
                index += 1
            }
            if expDigits == 0 { throw syntax("invalid number exponent") }
            if expNegative { explicitExponent = -explicitExponent }
        }
        exponent += explicitExponent
        if digits <= 15 && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / Cursor.powersOf10[-exponent] : value * Cursor.powersOf10[exponent]
            return negative ? -value : value
        }
        return slowParse(start: start)
    }

    func slowParse(start: Int) -> Double {
        var text = Array(buffer[start..<index])
        text.append(0)
        return text.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { strtod($0, nil) }
        }
    }

    static let powersOf10: [Double] = (0...22).map { e in
        var v = 1.0
        for _ in 0..<e { v *= 10 }
        return v
    }

    /// Validates and skips any JSON value.
    mutating func skipValue(depth: Int) throws(RecordRejection) {
        guard depth < maxDepth else { throw syntax("nesting deeper than \(maxDepth)") }
        skipWhitespace()
        guard index < buffer.count else { throw syntax("unexpected end of input") }
        switch buffer[index] {
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { index += 1; return }
            while true {
                skipWhitespace()
                _ = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "}") { return }
                guard c == UInt8(ascii: ",") else { throw syntax("expected ',' or '}' in object") }
            }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { index += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                skipWhitespace()
                let c = try next()
                if c == UInt8(ascii: "]") { return }
                guard c == UInt8(ascii: ",") else { throw syntax("expected ',' or ']' in array") }
            }
        case UInt8(ascii: "\""): _ = try parseString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        default: _ = try parseNumber()
        }
    }
}
