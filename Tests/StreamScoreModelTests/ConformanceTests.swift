import Foundation
import Testing
@testable import StreamScoreModel

/// Runs every reference fixture (Models/iris/1 and Models/zoo/*) and compares each output with
/// onnxruntime's: labels exactly, floats within 1e-5 relative or 1e-6 absolute, NaN where NaN.
@Suite("Conformance with onnxruntime fixtures")
struct ConformanceTests {
    @Test("model matches onnxruntime", arguments: Fixtures.directories)
    func matchesOnnxRuntime(_ directory: String) throws {
        let fixture = try Fixtures.load(directory)
        let runtime = try ModelRuntime.load(contentsOf: Fixtures.path("Models/\(directory)/model.onnx"))
        let feeds = fixture.inputs.mapValues(Value.tensor)
        let outputs = try runtime.run(feeds)
        for name in fixture.outputOrder {
            guard let expected = fixture.outputs[name] else { continue }
            guard let actual = outputs[name] else {
                Issue.record("\(directory): output '\(name)' missing from the runtime's outputs \(outputs.keys.sorted())")
                continue
            }
            compare(actual, expected, model: directory, output: name)
        }
        for (i, errorCase) in fixture.errorCases.enumerated() {
            #expect(throws: ModelError.self, "\(directory): error case \(i) should be rejected like onnxruntime does") {
                try runtime.run(errorCase.mapValues(Value.tensor))
            }
        }
    }

    func compare(_ actual: Value, _ expected: Fixtures.Expected, model: String, output: String) {
        let at = "\(model): output '\(output)'"
        var mismatches = 0
        func mismatch(_ index: String, _ expected: String, _ actual: String) {
            mismatches += 1
            if mismatches <= 5 { Issue.record("\(at) index \(index): expected \(expected), actual \(actual)") }
        }
        defer { if mismatches > 5 { Issue.record("\(at): \(mismatches) mismatches in total") } }

        switch (expected, actual) {
        case (.tensor(let shape, let data), .tensor(let tensor)):
            guard tensor.shape == shape else {
                Issue.record("\(at): expected shape \(shape), actual \(tensor.shape)")
                return
            }
            switch (data, tensor.data) {
            case (.int64(let e), .int64(let a)):
                for i in e.indices where e[i] != a[i] { mismatch("\(i)", "\(e[i])", "\(a[i])") }
            case (.string(let e), .string(let a)):
                for i in e.indices where e[i] != a[i] { mismatch("\(i)", e[i], a[i]) }
            case (.float32(let e), .float32(let a)):
                for i in e.indices where !Fixtures.close(Double(a[i]), Double(e[i])) { mismatch("\(i)", "\(e[i])", "\(a[i])") }
            case (.float64(let e), .float64(let a)):
                for i in e.indices where !Fixtures.close(a[i], e[i]) { mismatch("\(i)", "\(e[i])", "\(a[i])") }
            default:
                Issue.record("\(at): expected element type \(data.elementType.rawValue), actual \(tensor.elementType.rawValue)")
            }
        case (.maps(let keys, let rows), .mapSequence(let maps)):
            guard maps.rowCount == rows.count else {
                Issue.record("\(at): expected \(rows.count) maps, actual \(maps.rowCount)")
                return
            }
            let actualKeys: [String]
            switch (keys, maps.keys) {
            case (.int64, .int64(let k)): actualKeys = k.map { String($0) }
            case (.string, .string(let k)): actualKeys = k
            default:
                Issue.record("\(at): expected \(keys) keys, actual \(maps.keys)")
                return
            }
            let expectedKeys: [String] = switch keys {
            case .int64(let k): k.map { String($0) }
            case .string(let k): k
            }
            guard Set(actualKeys) == Set(expectedKeys) else {
                Issue.record("\(at): expected keys \(expectedKeys.sorted()), actual \(actualKeys.sorted())")
                return
            }
            for (r, row) in rows.enumerated() {
                for (c, key) in actualKeys.enumerated() {
                    let value = Double(maps.values[r * actualKeys.count + c])
                    if let e = row[key], !Fixtures.close(value, e) { mismatch("\(r)[\(key)]", "\(e)", "\(value)") }
                }
            }
        case (.tensor, .mapSequence):
            Issue.record("\(at): expected a tensor, actual a sequence of maps")
        case (.maps, .tensor(let tensor)):
            Issue.record("\(at): expected a sequence of maps, actual a tensor of shape \(tensor.shape)")
        }
    }
}
