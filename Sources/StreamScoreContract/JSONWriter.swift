/// Where JSON bytes go. ``JSONWriter`` grows an array; ``JSONBufferWriter`` fills a fixed buffer
/// (the fast path for records written by the thousand). The tokens are written once, here, for both.
public protocol JSONSink {
    mutating func writeByte(_ byte: UInt8)
    mutating func writeBytes(_ run: UnsafeBufferPointer<UInt8>)
}

extension JSONSink {
    @inlinable @inline(__always) public mutating func byte(_ b: UInt8) { writeByte(b) }

    /// Appends already-encoded JSON.
    @inlinable public mutating func raw(_ encoded: [UInt8]) { encoded.withUnsafeBufferPointer { writeBytes($0) } }

    /// Appends already-encoded JSON.
    @inlinable public mutating func raw(_ encoded: UnsafeBufferPointer<UInt8>) { writeBytes(encoded) }

    @inlinable @inline(__always) public mutating func raw(_ s: StaticString) {
        writeBytes(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// A JSON string with escaping.
    @inlinable public mutating func string(_ s: String) {
        writeByte(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            // Most strings need no escaping: copy them in one go.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                writeBytes(utf8)
                return
            }
            for c in utf8 {
                switch c {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0..<0x20:
                    raw("\\u00")
                    let hex = JSONDigits.hex.utf8Start
                    writeByte(hex[Int(c >> 4)])
                    writeByte(hex[Int(c & 0xF)])
                default: writeByte(c)
                }
            }
        }
        writeByte(UInt8(ascii: "\""))
    }

    @inlinable public mutating func int(_ v: Int64) {
        if v < 0 { writeByte(UInt8(ascii: "-")) }
        var n = v.magnitude
        if n < 10 {
            writeByte(UInt8(ascii: "0") + UInt8(n))
            return
        }
        // Two digits per division, written backwards into a 24-byte scratch (UInt64.max has 20 digits).
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { digits in
            let pairs = JSONDigits.pairs.utf8Start
            var i = 24
            while n >= 100 {
                let r = Int(n % 100)
                n /= 100
                i -= 2
                digits[i] = pairs[2 * r]
                digits[i + 1] = pairs[2 * r + 1]
            }
            if n >= 10 {
                i -= 2
                digits[i] = pairs[2 * Int(n)]
                digits[i + 1] = pairs[2 * Int(n) + 1]
            } else {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(n)
            }
            writeBytes(UnsafeBufferPointer(rebasing: digits.assumingMemoryBound(to: UInt8.self)[i..<24]))
        }
    }

    @inlinable public mutating func int(_ v: Int) { int(Int64(v)) }

    /// A float in shortest round-trip form; non-finite values become `null` (JSON has no NaN).
    @inlinable public mutating func float(_ v: Float) {
        guard v.isFinite else { raw("null"); return }
        if v == v.rounded(), abs(v) < 1e15 {
            int(Int64(v))
            return
        }
        var text = NumberText()
        v.write(to: &text)
        text.copy(to: &self)
    }

    /// A double in shortest round-trip form; non-finite values become `null`.
    @inlinable public mutating func double(_ v: Double) {
        guard v.isFinite else { raw("null"); return }
        var text = NumberText()
        v.write(to: &text)
        text.copy(to: &self)
    }

    /// A duration in milliseconds with three decimals.
    @inlinable public mutating func milliseconds(_ ms: Double) {
        guard ms.isFinite else { raw("null"); return }
        let micros = Int64((ms * 1000).rounded())
        if micros < 0 { writeByte(UInt8(ascii: "-")) }
        let m = micros.magnitude
        int(Int64(m / 1000))
        writeByte(UInt8(ascii: "."))
        let frac = Int(m % 1000)
        writeByte(UInt8(ascii: "0") + UInt8(frac / 100))
        writeByte(UInt8(ascii: "0") + UInt8(frac / 10 % 10))
        writeByte(UInt8(ascii: "0") + UInt8(frac % 10))
    }
}

/// Appends JSON tokens to a byte array without building intermediate strings.
public struct JSONWriter: JSONSink, Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable @inline(__always) public mutating func writeByte(_ b: UInt8) { bytes.append(b) }

    /// Short runs go byte by byte, which for JSON's few-byte tokens is about 2.5× faster than
    /// `append(contentsOf:)` and its generic copy.
    @inlinable @inline(__always) public mutating func writeBytes(_ run: UnsafeBufferPointer<UInt8>) {
        if run.count <= 24 {
            for b in run { bytes.append(b) }
        } else {
            bytes.append(contentsOf: run)
        }
    }

    /// Writes JSON at the end of `bytes` through a ``JSONBufferWriter`` over `reserving` bytes of
    /// spare capacity: one capacity check for the whole value instead of one per token, several
    /// times faster for small records. A value that does not fit is written again with four
    /// times the room, so `body` must write the same bytes each time it runs.
    public static func write(appendingTo bytes: inout [UInt8], reserving: Int, _ body: (inout JSONBufferWriter) -> Void) {
        var room = max(16, reserving)
        while true {
            var fitted = false
            bytes.append(addingCapacity: room) { span in
                span.withUnsafeMutableBufferPointer { buffer, initialized in
                    var writer = JSONBufferWriter(start: buffer.baseAddress! + initialized, capacity: buffer.count - initialized)
                    body(&writer)
                    if !writer.overflowed {
                        initialized += writer.count
                        fitted = true
                    }
                }
            }
            if fitted { return }
            room *= 4
        }
    }
}

/// Writes JSON into a fixed buffer. Past its end it writes nothing more and sets `overflowed`.
public struct JSONBufferWriter: JSONSink {
    @usableFromInline let start: UnsafeMutablePointer<UInt8>
    @usableFromInline let capacity: Int
    /// Bytes written.
    public var count = 0
    /// `true` once a token did not fit (the buffer then holds only the tokens before it).
    public var overflowed = false

    @inlinable public init(start: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.start = start
        self.capacity = capacity
    }

    @inlinable @inline(__always) public mutating func writeByte(_ b: UInt8) {
        guard count < capacity else { overflowed = true; return }
        start[count] = b
        count += 1
    }

    @inlinable @inline(__always) public mutating func writeBytes(_ run: UnsafeBufferPointer<UInt8>) {
        let n = run.count
        guard n <= capacity - count else { overflowed = true; return }
        guard let source = run.baseAddress else { return }
        SmallCopy.copy(from: UnsafeRawPointer(source), to: UnsafeMutableRawPointer(start + count), count: n)
        count += n
    }
}

/// Copies of a few bytes, as JSON tokens are.
@usableFromInline enum SmallCopy {
    /// Copies `n` bytes; up to 32 go as two overlapping pairs of words (the way `memcpy` copies
    /// small sizes): a few moves and one branch per size class, no loop and no call.
    @inlinable @inline(__always)
    static func copy(from: UnsafeRawPointer, to: UnsafeMutableRawPointer, count n: Int) {
        if n >= 16 {
            if n <= 32 {
                let a = from.loadUnaligned(as: UInt64.self)
                let b = from.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let c = from.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self)
                let d = from.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                to.storeBytes(of: a, as: UInt64.self)
                to.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
                to.storeBytes(of: c, toByteOffset: n - 16, as: UInt64.self)
                to.storeBytes(of: d, toByteOffset: n - 8, as: UInt64.self)
            } else {
                to.copyMemory(from: from, byteCount: n)
            }
        } else if n >= 8 {
            let a = from.loadUnaligned(as: UInt64.self)
            let b = from.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            to.storeBytes(of: a, as: UInt64.self)
            to.storeBytes(of: b, toByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            let a = from.loadUnaligned(as: UInt32.self)
            let b = from.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            to.storeBytes(of: a, as: UInt32.self)
            to.storeBytes(of: b, toByteOffset: n - 4, as: UInt32.self)
        } else if n > 0 {
            // 1–3 bytes: the first, the middle and the last cover them.
            to.storeBytes(of: from.load(as: UInt8.self), as: UInt8.self)
            to.storeBytes(of: from.load(fromByteOffset: n / 2, as: UInt8.self), toByteOffset: n / 2, as: UInt8.self)
            to.storeBytes(of: from.load(fromByteOffset: n - 1, as: UInt8.self), toByteOffset: n - 1, as: UInt8.self)
        }
    }
}

/// Digit tables for the writers.
@usableFromInline enum JSONDigits {
    /// "00" through "99", back to back.
    @usableFromInline static let pairs: StaticString = """
        0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849\
        5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899
        """
    @usableFromInline static let hex: StaticString = "0123456789abcdef"
}

/// Receives a number's text straight from the standard library's formatter, which hands finite
/// floats over as an ASCII buffer through `_writeASCII`, without building a `String`.
@usableFromInline struct NumberText: TextOutputStream {
    /// Room for any float or double in shortest form (at most 24 characters).
    @usableFromInline var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    @usableFromInline var count = 0

    @inlinable init() {}

    @inlinable mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { _writeASCII($0) }
    }

    @inlinable mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        let n = min(buffer.count, 32 - count)
        guard n > 0, let source = buffer.baseAddress else { return }
        let offset = count
        withUnsafeMutableBytes(of: &storage) { bytes in
            SmallCopy.copy(from: UnsafeRawPointer(source), to: bytes.baseAddress! + offset, count: n)
        }
        count += n
    }

    @inlinable func copy(to sink: inout some JSONSink) {
        var storage = self.storage
        withUnsafeBytes(of: &storage) { bytes in
            sink.writeBytes(UnsafeBufferPointer(rebasing: bytes.assumingMemoryBound(to: UInt8.self)[0..<count]))
        }
    }
}
