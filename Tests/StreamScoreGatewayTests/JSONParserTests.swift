import StreamScoreContract
@testable import StreamScoreGateway
import Testing

@Suite("Gateway JSON parser and writer")
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    func syntaxError(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try JSONParser.parse(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test("Parses the tutorial body")
    func tutorialBody() throws {
        let value = try parse(#"{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}"#)
        guard case .object(let o) = value, case .array(let rows)? = o["data"] else {
            Issue.record("not an object with data"); return
        }
        #expect(rows.count == 2)
        #expect(rows[1] == .array([.number(6.7), .number(3.1), .number(4.4), .number(1.4)]))
    }

    @Test("Scalars, escapes and surrogate pairs")
    func scalars() throws {
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("null") == .null)
        #expect(try parse("-0.5e2") == .number(-50))
        #expect(try parse("1E+3") == .number(1000))
        #expect(try parse(#""a\"b\\c\/d\n\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\né😀"))
        #expect(try parse(#"{"a": {}, "b": []}"#) == .object(JSONObject([("a", .object(JSONObject())), ("b", .array([]))])))
    }

    @Test("Errors name the byte offset and the problem", arguments: [
        (#"{"data": [[5.1, 3.5,]]}"#, 20, "expected a value"),
        (#"{"data": [1 2]}"#, 12, "expected ',' or ']'"),
        (#"{"data" 1}"#, 8, "expected ':'"),
        (#"{data: 1}"#, 1, "member name in quotes"),
        ("[01]", 1, "leading zero"),
        ("[1.]", 1, "digit after '.'"),
        ("[NaN]", 1, "NaN and Infinity"),
        ("[tru]", 1, "invalid literal"),
        (#"["abc"#, 1, "unterminated string"),
        (#"["\x"]"#, 2, "invalid escape"),
        (#"["\ud800"]"#, 8, "unpaired surrogate"),
        ("{} {}", 3, "unexpected data after"),
        ("", 0, "empty"),
        ("[1e999]", 1, "out of range"),
    ])
    func errors(text: String, offset: Int, message: String) {
        let error = syntaxError(text)
        #expect(error?.offset == offset, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("invalid JSON at byte \(offset): ") == true)
    }

    @Test("Nesting deeper than the limit is refused, not a stack overflow")
    func depthLimit() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(syntaxError(deep)?.message.contains("nesting deeper than 64") == true)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(syntaxError(ok) == nil)
    }

    @Test("The writer round-trips values; integral numbers stay integers")
    func writer() throws {
        let text = #"{"result":[0,1],"p":[0.97,2.5e-08,-3],"s":"a\"b","n":null,"t":true}"#
        var w = JSONWriter()
        w.value(try parse(text))
        #expect(String(decoding: w.bytes, as: UTF8.self) == text)
        #expect(String(decoding: JSONWriter.errorBody("bad \"x\"", extra: [("code", "c")]), as: UTF8.self)
                == #"{"error":"bad \"x\"","code":"c"}"#)
    }
}
