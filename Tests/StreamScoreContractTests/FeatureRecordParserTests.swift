import StreamScoreContract
import Testing

@Suite("Feature record parser")
struct FeatureRecordParserTests {
    let parser = FeatureRecordParser()

    func parse(_ s: String) throws(RecordRejection) -> FeatureRecord { try parser.parse(Array(s.utf8)) }

    func code(_ s: String) -> DeadLetterCode? {
        do { _ = try parse(s); return nil } catch { return error.code }
    }

    @Test("Positional, named and data shapes")
    func shapes() throws {
        let positional = try parse(#"{"id": "evt-1", "features": [5.1, 3.5, 1.4, 0.2]}"#)
        #expect(positional == FeatureRecord(id: "evt-1", rows: [.positional([.number(5.1), .number(3.5), .number(1.4), .number(0.2)])],
                                            isMultiRow: false))
        let named = try parse(#"{"features": {"a": 1, "b": null, "c": "red"}, "id": 7}"#)
        #expect(named.id == "7")
        #expect(named.rows == [.named([NamedFeature(name: "a", value: .number(1)), NamedFeature(name: "b", value: .missing),
                                       NamedFeature(name: "c", value: .string("red"))])])
        let data = try parse(#"{"id":"req-3","data":[[5.1,3.5,1.4,0.2],{"x":6.7}]}"#)
        #expect(data.isMultiRow)
        #expect(data.rows.count == 2)
        #expect(data.rows[1] == .named([NamedFeature(name: "x", value: .number(6.7))]))
    }

    func fastPath(_ s: String) -> (parsed: NumericFeatures?, numbers: [Float], id: String?) {
        var numbers: [Float] = [42]
        let bytes = Array(s.utf8)
        let parsed = parser.parseNumericFeatures(bytes[...], into: &numbers)
        return (parsed, numbers, parsed?.id.map { String(decoding: bytes[$0], as: UTF8.self) })
    }

    @Test("The numeric fast path reads the common shape like the full parser")
    func numericFastPathAccepts() throws {
        let text = #" { "id" : "evt-1" , "features" : [5.1, -3.5e0, null, 0, 4.898946e-08] } "#
        let (parsed, numbers, id) = fastPath(text)
        #expect(parsed?.count == 5)
        #expect(id == "evt-1", "the id's characters, without quotes")
        guard case .positional(let values) = try parse(text).rows[0] else { Issue.record("not positional"); return }
        #expect(numbers.count == 6 && numbers[0] == 42, "appends after what was there")
        for (value, number) in zip(values, numbers.dropFirst()) {
            if case .number(let d) = value { #expect(number == Float(d)) } else { #expect(number.isNaN) }
        }
        let numeric = fastPath(#"{"features":[1,2],"id":12.50}"#)
        #expect(numeric.parsed?.count == 2 && numeric.id == "12.50", "a number id keeps its spelling")
        let null = fastPath(#"{"id":null,"features":[1]}"#)
        #expect(null.parsed == NumericFeatures(id: nil, count: 1))
        let empty = fastPath(#"{"id":"","features":[1]}"#)
        #expect(empty.parsed != nil && empty.id == "", "an empty id is not a missing one")
        #expect(fastPath(#"{"features":[]}"#).parsed == NumericFeatures(id: nil, count: 0))
        // On a slice of a larger buffer, offsets count from the slice's start.
        let framed = Array(#"xx{"id":"s1","features":[7]}yy"#.utf8)
        var slicedValues: [Float] = []
        let sliced = parser.parseNumericFeatures(framed[2..<framed.count - 2], into: &slicedValues)
        let idRange: Range<Int>? = sliced?.id
        #expect(idRange == 7..<9, "offsets from the slice's start")
        #expect(slicedValues == [7])
    }

    @Test("The numeric fast path declines every other shape, leaving the values untouched", arguments: [
        #"{"id":"a","features":{"x":1}}"#, #"{"id":"a","data":[[1,2]]}"#, #"{"id":"a","features":[1],"extra":true}"#,
        #"{"features":[1,"two"]}"#, #"{"features":[true]}"#, #"{"features":[1,-Infinity]}"#, #"{"features":[NaN]}"#,
        #"{"features":[1e39]}"#, #"{"features":[1,]}"#, #"{"features":[1]} x"#, #"{"id":"a","id":"b","features":[1]}"#,
        #"{"features":[1],"features":[2]}"#, #"{"id":"a"}"#, "[1,2]", #"{"\u0069d":"a","features":[1]}"#,
        #"{"features":[[1]]}"#, #"{"features":[1"#, "", #"{"id":{"x":1},"features":[1]}"#,
        #"{"id":"a\"b","features":[1]}"#, #"{"id":"caf\#u{e9}","features":[1]}"#, #"{"id":true,"features":[1]}"#,
    ])
    func numericFastPathDeclines(_ text: String) {
        let (parsed, numbers, _) = fastPath(text)
        #expect(parsed == nil)
        #expect(numbers == [42])
    }

    @Test("Numbers parse exactly like strtod", arguments: [
        "0", "-0.5", "3.14159", "1e-7", "2.5E+3", "123456789012345678901234", "0.1", "6.02214076e23", "1e-310",
        "5.1", "4.898946e-08", "-12.75",
    ])
    func numbers(_ text: String) throws {
        let record = try parse("{\"features\":[\(text)]}")
        guard case .positional(let values) = record.rows[0], case .number(let d) = values[0] else {
            Issue.record("not a number")
            return
        }
        #expect(d == Double(text)!)
    }

    @Test("String escapes, including surrogate pairs")
    func escapes() throws {
        let record = try parse(#"{"id":"a\"b\\c\n\u00e9\ud83d\ude00","features":[]}"#)
        #expect(record.id == "a\"b\\c\né😀")
    }

    @Test("Invalid JSON is reported with its position")
    func invalidJSON() {
        for bad in ["{", "{\"features\":[1,2,]}", "{\"features\":[01]}", "{\"features\":[1] } x", "nonsense",
                    "{\"features\":[1.]}", "{\"id\":\"\\x\",\"features\":[]}", "{\"features\":[\"\u{01}\"]}"] {
            #expect(code(bad) == .invalidJSON, "\(bad)")
        }
        do {
            _ = try parse("{\"features\":[1,2,]}")
        } catch {
            #expect(error.detail.contains("at byte"))
        }
    }

    @Test("Valid JSON in the wrong shape is invalid-record; empty is empty")
    func shapeErrors() {
        #expect(code("[1,2,3,4]") == .invalidRecord)
        #expect(code("{\"id\":\"x\"}") == .invalidRecord)
        #expect(code("{\"features\":5}") == .invalidRecord)
        #expect(code("{\"data\":[]}") == .invalidRecord)
        #expect(code("{\"data\":[[1]],\"features\":[1]}") == .invalidRecord)
        #expect(code("{\"id\":[1],\"features\":[1]}") == .invalidRecord)
        #expect(code("") == .empty)
        #expect(code("   ") == .empty)
    }

    @Test("Non-finite tokens and nested values are flagged per value")
    func valueKinds() throws {
        let record = try parse(#"{"features":[NaN, Infinity, -Infinity, true]}"#)
        #expect(record.rows[0] == .positional([.nonFinite("NaN"), .nonFinite("Infinity"), .nonFinite("-Infinity"), .bool(true)]))
        #expect(code(#"{"features":[[1]]}"#) == .wrongType)
    }

    @Test("Unknown top-level keys are validated and ignored")
    func ignoredKeys() throws {
        let record = try parse(#"{"meta":{"a":[1,{"b":null}]},"features":[1]}"#)
        #expect(record.rows == [.positional([.number(1)])])
        #expect(code(#"{"meta":{"a":[1,}]},"features":[1]}"#) == .invalidJSON)
    }
}

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("Floats in shortest round-trip form, integers, escapes, null for NaN")
    func writes() {
        var w = JSONWriter()
        w.float(0.97655237)
        w.byte(UInt8(ascii: ","))
        w.float(4.898946e-08)
        w.byte(UInt8(ascii: ","))
        w.float(2)
        w.byte(UInt8(ascii: ","))
        w.float(.nan)
        w.byte(UInt8(ascii: ","))
        w.int(-1234567890123)
        w.byte(UInt8(ascii: ","))
        w.string("a\"b\n\u{01}")
        w.byte(UInt8(ascii: ","))
        w.milliseconds(1.23456)
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"0.97655237,4.898946e-08,2,null,-1234567890123,"a\"b\n\u0001",1.235"#)
        #expect(Float("0.97655237") == 0.97655237)
    }

    @Test("Integers are written exactly as Swift prints them")
    func integers() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_535, Int64.max, Int64.min, Int64.min + 1]
        var p: Int64 = 1
        for _ in 0..<18 {
            p *= 10
            values += [p - 1, p, p + 1, -p + 1, -p, -p - 1]
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { values.append(Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...62)) }
        for v in values {
            var w = JSONWriter()
            w.int(v)
            #expect(String(decoding: w.bytes, as: UTF8.self) == String(v))
        }
    }

    @Test("Floats and doubles are written with the digits of their description")
    func floatsMatchDescription() {
        var checked = 0
        for pattern in stride(from: UInt32(0), to: UInt32.max, by: 40_009) {
            let f = Float(bitPattern: pattern)
            guard f.isFinite, f != f.rounded() || abs(f) >= 1e15 else { continue }
            var w = JSONWriter()
            w.float(f)
            #expect(String(decoding: w.bytes, as: UTF8.self) == f.description)
            let d = Double(f) * 1.000000001
            var dw = JSONWriter()
            dw.double(d)
            #expect(String(decoding: dw.bytes, as: UTF8.self) == d.description)
            checked += 1
        }
        #expect(checked > 90_000)
    }

    func writeSample(_ w: inout some JSONSink) {
        w.raw("{\"id\":")
        w.string("a\"b\\c\n\u{01}é")
        w.raw(",\"n\":[")
        w.int(-1234567890123)
        w.byte(UInt8(ascii: ","))
        w.float(0.97655237)
        w.byte(UInt8(ascii: ","))
        w.double(4.898946e-08)
        w.byte(UInt8(ascii: ","))
        w.milliseconds(10264.6125)
        w.raw(Array("]}".utf8))
    }

    @Test("The buffer writer writes exactly what the array writer writes, growing its room as needed")
    func bufferWriter() {
        var reference = JSONWriter()
        writeSample(&reference)
        for room in [1, 16, 40, 512] {
            var bytes = Array("prefix".utf8)
            JSONWriter.write(appendingTo: &bytes, reserving: room) { w in writeSample(&w) }
            #expect(bytes == Array("prefix".utf8) + reference.bytes, "room \(room)")
        }
        var small = [UInt8](repeating: 0, count: 8)
        small.withUnsafeMutableBufferPointer { buffer in
            var w = JSONBufferWriter(start: buffer.baseAddress!, capacity: 5)
            w.raw("abc")
            #expect(!w.overflowed && w.count == 3)
            w.raw("defg")
            #expect(w.overflowed && w.count == 3, "a token that does not fit is not written")
            w.byte(UInt8(ascii: "x"))
            #expect(w.count == 4, "bytes are still written while they fit")
        }
        #expect(Array(small.prefix(4)) == Array("abcx".utf8))
    }

    @Test("The buffer writer copies runs of every length from 0 to 40 exactly, and nothing past them")
    func bufferWriterRunLengths() {
        let source = (0..<64).map { UInt8(33 + $0) }
        for offset in [0, 1, 7] {
            for length in 0...40 {
                // 0xEE marks bytes the writer must leave alone.
                var buffer = [UInt8](repeating: 0xEE, count: 128)
                let written = buffer.withUnsafeMutableBufferPointer { out -> Int in
                    var w = JSONBufferWriter(start: out.baseAddress! + offset, capacity: length + 3)
                    source.withUnsafeBufferPointer { w.raw(UnsafeBufferPointer(rebasing: $0[5..<(5 + length)])) }
                    #expect(!w.overflowed)
                    return w.count
                }
                #expect(written == length)
                #expect(Array(buffer[offset..<(offset + length)]) == Array(source[5..<(5 + length)]),
                        "length \(length) at offset \(offset)")
                #expect(buffer[..<offset].allSatisfy { $0 == 0xEE } && buffer[(offset + length)...].allSatisfy { $0 == 0xEE },
                        "length \(length) at offset \(offset) wrote outside its run")
            }
        }
    }
}
