/// Protobuf wire types (the low three bits of a field key).
enum WireType: UInt8 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// A bounds-checked reader of protobuf wire format over a byte buffer.
///
/// Every read checks the remaining length and throws `ModelError.malformed` naming the
/// absolute byte offset and the message path being decoded, e.g.
/// "truncated varint at byte 1234 in ModelProto.graph".
/// The buffer must outlive the reader (callers decode inside `withUnsafeBufferPointer`).
struct ProtoReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    /// Absolute offset of the next byte to read.
    private(set) var position: Int
    /// Absolute offset of the first byte of this message.
    let start: Int
    /// Absolute offset one past the last byte of this message.
    let end: Int
    /// Dotted path of the message being decoded, for error messages.
    let path: String

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
        self.bytes = bytes
        self.position = 0
        self.start = 0
        self.end = bytes.count
        self.path = path
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, position: Int, end: Int, path: String) {
        self.bytes = bytes
        self.position = position
        self.start = position
        self.end = end
        self.path = path
    }

    /// True while bytes of this message remain.
    var hasMore: Bool { position < end }

    func error(_ what: String, at offset: Int? = nil) -> ModelError {
        .malformed("\(what) at byte \(offset ?? position) in \(path)")
    }

    // MARK: - Keys and scalars

    /// Reads a field key; returns the field number and wire type.
    mutating func readKey() throws(ModelError) -> (field: Int, wire: WireType) {
        let start = position
        let key = try readVarint()
        let field = key >> 3
        guard field > 0, field <= 536_870_911 else { throw error("invalid field number \(field)", at: start) }
        guard let wire = WireType(rawValue: UInt8(key & 7)) else {
            throw error("invalid wire type \(key & 7) for field \(field)", at: start)
        }
        return (Int(field), wire)
    }

    /// Reads a base-128 varint (at most 10 bytes).
    mutating func readVarint() throws(ModelError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw error("truncated varint", at: start) }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw error("varint overflows 64 bits", at: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw error("varint longer than 10 bytes", at: start) }
        }
    }

    /// Reads a varint as a (two's complement) signed 64-bit integer (`int64`/`int32` fields).
    mutating func readInt64() throws(ModelError) -> Int64 {
        Int64(bitPattern: try readVarint())
    }

    /// Reads a varint as an `int32` field value (stored sign-extended to 64 bits on the wire).
    mutating func readInt32() throws(ModelError) -> Int32 {
        Int32(truncatingIfNeeded: Int64(bitPattern: try readVarint()))
    }

    mutating func readFixed32() throws(ModelError) -> UInt32 {
        guard end - position >= 4 else { throw error("truncated 32-bit value") }
        let value = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: value)
    }

    mutating func readFixed64() throws(ModelError) -> UInt64 {
        guard end - position >= 8 else { throw error("truncated 64-bit value") }
        let value = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: value)
    }

    mutating func readFloat() throws(ModelError) -> Float { Float(bitPattern: try readFixed32()) }
    mutating func readDouble() throws(ModelError) -> Double { Double(bitPattern: try readFixed64()) }

    // MARK: - Length-delimited

    /// Reads a length prefix and returns the absolute byte range it covers, advancing past it.
    mutating func readLengthDelimitedRange(field: String? = nil) throws(ModelError) -> Range<Int> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            let what = field.map { "truncated field '\($0)'" } ?? "truncated length-delimited field"
            throw error("\(what) (length \(length), \(end - position) bytes left)", at: start)
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// Reads a length-delimited field as raw bytes.
    mutating func readBytes() throws(ModelError) -> UnsafeBufferPointer<UInt8> {
        let range = try readLengthDelimitedRange()
        return UnsafeBufferPointer(rebasing: bytes[range])
    }

    /// Reads a length-delimited field as a UTF-8 string (invalid sequences are repaired).
    mutating func readString() throws(ModelError) -> String {
        String(decoding: try readBytes(), as: UTF8.self)
    }

    /// Reads a length-delimited field and returns a reader over its contents, for a nested message.
    mutating func readMessage(_ name: String) throws(ModelError) -> ProtoReader {
        let range = try readLengthDelimitedRange(field: name)
        return ProtoReader(bytes: bytes, position: range.lowerBound, end: range.upperBound, path: path + "." + name)
    }

    // MARK: - Skipping

    /// Skips the value of a field with the given wire type (unknown fields).
    mutating func skip(_ wire: WireType, field: Int) throws(ModelError) {
        switch wire {
        case .varint: _ = try readVarint()
        case .fixed64:
            guard end - position >= 8 else { throw error("truncated 64-bit value") }
            position += 8
        case .fixed32:
            guard end - position >= 4 else { throw error("truncated 32-bit value") }
            position += 4
        case .lengthDelimited: _ = try readLengthDelimitedRange()
        case .startGroup, .endGroup:
            throw error("unsupported group wire type in field \(field)")
        }
    }

    /// Throws unless the field has the expected wire type.
    func expect(_ wire: WireType, _ expected: WireType, field: String) throws(ModelError) {
        guard wire == expected else {
            throw error("field '\(field)' has wire type \(wire.rawValue), expected \(expected.rawValue)")
        }
    }

    // MARK: - Repeated numeric fields (packed or unpacked)

    /// Appends one or more `float` values: a packed run (wire type 2) or a single fixed32.
    mutating func readFloats(_ wire: WireType, into array: inout [Float], field: String) throws(ModelError) {
        switch wire {
        case .fixed32: array.append(try readFloat())
        case .lengthDelimited:
            let range = try readLengthDelimitedRange()
            guard range.count % 4 == 0 else {
                throw error("packed float field '\(field)' has \(range.count) bytes, not a multiple of 4", at: range.lowerBound)
            }
            appendFixedWidth(range, count: range.count / 4, into: &array) { Float(bitPattern: UInt32(littleEndian: $0)) }
        default: throw error("field '\(field)' has wire type \(wire.rawValue), expected 5 or 2")
        }
    }

    /// Appends one or more `double` values: a packed run or a single fixed64.
    mutating func readDoubles(_ wire: WireType, into array: inout [Double], field: String) throws(ModelError) {
        switch wire {
        case .fixed64: array.append(try readDouble())
        case .lengthDelimited:
            let range = try readLengthDelimitedRange()
            guard range.count % 8 == 0 else {
                throw error("packed double field '\(field)' has \(range.count) bytes, not a multiple of 8", at: range.lowerBound)
            }
            appendFixedWidth(range, count: range.count / 8, into: &array) { Double(bitPattern: UInt64(littleEndian: $0)) }
        default: throw error("field '\(field)' has wire type \(wire.rawValue), expected 1 or 2")
        }
    }

    /// Appends one or more varint-encoded `int64`/`int32`/`uint64` values: packed or single.
    mutating func readVarints(_ wire: WireType, into array: inout [Int64], field: String) throws(ModelError) {
        switch wire {
        case .varint: array.append(try readInt64())
        case .lengthDelimited:
            let range = try readLengthDelimitedRange()
            var sub = ProtoReader(bytes: bytes, position: range.lowerBound, end: range.upperBound, path: path + "." + field)
            while sub.hasMore { array.append(try sub.readInt64()) }
        default: throw error("field '\(field)' has wire type \(wire.rawValue), expected 0 or 2")
        }
    }

    private func appendFixedWidth<Raw: FixedWidthInteger, Element>(
        _ range: Range<Int>, count: Int, into array: inout [Element], _ convert: (Raw) -> Element
    ) {
        let raw = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[range])
        array.reserveCapacity(array.count + count)
        for i in 0..<count {
            array.append(convert(raw.loadUnaligned(fromByteOffset: i * MemoryLayout<Raw>.size, as: Raw.self)))
        }
    }
}
