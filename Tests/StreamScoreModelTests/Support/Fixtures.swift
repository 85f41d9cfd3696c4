import Foundation
@testable import StreamScoreModel

/// Locates and parses the reference fixtures under Models/ (written by Models/zoo/build_zoo.py
/// with onnxruntime outputs).
enum Fixtures {
    /// The repository root, found from this file's path (Tests/StreamScoreModelTests/Support/).
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func path(_ relative: String) -> String { (repoRoot as NSString).appendingPathComponent(relative) }

    /// Fixture directories relative to Models/: "iris/1" and every "zoo/<name>" with fixture.json.
    static let directories: [String] = {
        var found: [String] = []
        let files = FileManager.default
        if files.fileExists(atPath: path("Models/iris/1/fixture.json")) { found.append("iris/1") }
        let zoo = path("Models/zoo")
        let names = ((try? files.contentsOfDirectory(atPath: zoo)) ?? []).sorted()
        for name in names where files.fileExists(atPath: "\(zoo)/\(name)/fixture.json") {
            found.append("zoo/\(name)")
        }
        return found
    }()

    /// An expected output.
    enum Expected {
        case tensor(shape: [Int], data: TensorData)
        case maps(keys: MapSequence.Keys, rows: [[String: Double]])
    }

    struct Fixture {
        var inputs: [String: Tensor]
        var outputOrder: [String]
        var outputs: [String: Expected]
        /// Inputs onnxruntime rejects (e.g. NaN into Binarizer).
        var errorCases: [[String: Tensor]]
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
    }

    static func load(_ directory: String) throws -> Fixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("Models/\(directory)/fixture.json")))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let inputs = root["inputs"] as? [String: Any], let outputs = root["outputs"] as? [String: Any] else {
            throw FixtureError(description: "\(directory): fixture.json lacks inputs/outputs")
        }
        var fixture = Fixture(inputs: [:], outputOrder: root["output_order"] as? [String] ?? Array(outputs.keys),
                              outputs: [:], errorCases: [])
        fixture.inputs = try tensors(inputs, context: directory)
        for (name, spec) in outputs {
            guard let spec = spec as? [String: Any], let type = spec["type"] as? String else {
                throw FixtureError(description: "\(directory): output \(name) has no type")
            }
            if type.hasPrefix("seq_map_") {
                guard let rows = spec["data"] as? [[String: Any]] else {
                    throw FixtureError(description: "\(directory): output \(name) has no map rows")
                }
                let parsed = try rows.map { row in try row.mapValues { try number($0, context: name) } }
                let keys = rows.first.map { Array($0.keys) } ?? []
                if type == "seq_map_int64_float" {
                    fixture.outputs[name] = .maps(keys: .int64(keys.compactMap { Int64($0) }.sorted()), rows: parsed)
                } else {
                    fixture.outputs[name] = .maps(keys: .string(keys.sorted()), rows: parsed)
                }
            } else {
                let t = try tensor(spec, context: "\(directory) output \(name)")
                fixture.outputs[name] = .tensor(shape: t.shape, data: t.data)
            }
        }
        for case let errorCase as [String: Any] in root["error_cases"] as? [Any] ?? [] {
            guard let inputs = errorCase["inputs"] as? [String: Any] else { continue }
            fixture.errorCases.append(try tensors(inputs, context: "\(directory) error case"))
        }
        return fixture
    }

    static func tensors(_ specs: [String: Any], context: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, spec) in specs {
            guard let spec = spec as? [String: Any] else { throw FixtureError(description: "\(context): bad input \(name)") }
            result[name] = try tensor(spec, context: "\(context) input \(name)")
        }
        return result
    }

    static func number(_ value: Any, context: String) throws -> Double {
        if let n = value as? NSNumber { return n.doubleValue }
        switch value as? String {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: throw FixtureError(description: "\(context): \(value) is not a number")
        }
    }

    static func tensor(_ spec: [String: Any], context: String) throws -> Tensor {
        guard let type = spec["type"] as? String, let shape = spec["shape"] as? [Int], let data = spec["data"] as? [Any] else {
            throw FixtureError(description: "\(context): needs type, shape and data")
        }
        switch type {
        case "float32": return Tensor(shape: shape, float32: try data.map { Float(try number($0, context: context)) })
        case "float64": return Tensor(shape: shape, float64: try data.map { try number($0, context: context) })
        case "int64":
            return Tensor(shape: shape, int64: try data.map { value in
                if let n = value as? NSNumber { return n.int64Value }
                return Int64(try number(value, context: context))
            })
        case "int32": return Tensor(shape: shape, int32: try data.map { Int32(try number($0, context: context)) })
        case "bool": return Tensor(shape: shape, bool: data.map { ($0 as? Bool) ?? false })
        case "string": return Tensor(shape: shape, string: data.map { "\($0)" })
        default: throw FixtureError(description: "\(context): unknown type \(type)")
        }
    }

    /// The correctness bar: equal, both NaN, or within 1e-5 relative or 1e-6 absolute.
    static func close(_ actual: Double, _ expected: Double) -> Bool {
        if expected.isNaN { return actual.isNaN }
        if expected.isInfinite || actual.isInfinite { return actual == expected }
        let difference = abs(actual - expected)
        return difference <= 1e-6 || difference <= 1e-5 * abs(expected)
    }
}
