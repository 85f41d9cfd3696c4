import Foundation
import StreamScoreContract

/// The Open Inference Protocol (KServe V2) REST types the gateway speaks, including Triton's
/// binary tensor extension (`Inference-Header-Content-Length`), which `tritonclient[http]` uses
/// by default.
enum InferenceProtocol {
    static let binaryHeaderName = "Inference-Header-Content-Length"
    static let serverName = "streamscore"
    static let serverVersion = "1.0.0"

    /// Element types accepted in request tensors.
    enum DataType: String, Sendable {
        case fp32 = "FP32", fp64 = "FP64", int64 = "INT64", int32 = "INT32", bytes = "BYTES"

        var byteSize: Int? {
            switch self {
            case .fp32, .int32: 4
            case .fp64, .int64: 8
            case .bytes: nil
            }
        }

        var isNumeric: Bool { self != .bytes }
    }

    /// One request input, flattened in row-major order.
    struct Tensor: Sendable {
        var name: String
        var datatype: DataType
        var shape: [Int]
        var values: [JSONValue]
    }

    struct RequestedOutput: Sendable {
        var name: String
        /// `parameters.binary_data`, when given.
        var binary: Bool?
    }

    struct Request: Sendable {
        var id: String?
        var inputs: [Tensor]
        var outputs: [RequestedOutput]?
        /// Request-level `parameters.binary_data_output`.
        var binaryOutput: Bool
    }

    // MARK: Parsing

    /// Parses a request body; `jsonLength` is the `Inference-Header-Content-Length` value when
    /// the body carries binary tensor data after the JSON.
    static func parse(body: [UInt8], jsonLength: Int?) throws(GatewayError) -> Request {
        let jsonEnd: Int
        if let jsonLength {
            guard jsonLength >= 0, jsonLength <= body.count else {
                throw .badRequest("\(binaryHeaderName) is \(jsonLength) but the body has \(body.count) bytes")
            }
            jsonEnd = jsonLength
        } else {
            jsonEnd = body.count
        }
        let root: JSONValue
        do {
            root = try body.withUnsafeBytes { (raw) throws(JSONSyntaxError) -> JSONValue in
                try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<jsonEnd]))
            }
        } catch {
            throw .badRequest("\(error)")
        }
        guard case .object(let object) = root else {
            throw .badRequest("an inference request must be a JSON object with \"inputs\", got \(root.typeName)")
        }
        var id: String?
        switch object["id"] {
        case nil, .null?: break
        case .string(let s)?: id = s
        case let other?: throw .badRequest("\"id\" must be a string, got \(other.typeName)")
        }
        guard let inputsValue = object["inputs"] else { throw .badRequest("missing \"inputs\"") }
        guard case .array(let inputs) = inputsValue, !inputs.isEmpty else {
            throw .badRequest("\"inputs\" must be a non-empty array of tensors")
        }
        var binaryOffset = jsonEnd
        var tensors: [Tensor] = []
        for (i, input) in inputs.enumerated() {
            tensors.append(try parseTensor(input, index: i, body: body, binaryOffset: &binaryOffset))
        }
        if binaryOffset != body.count {
            throw .badRequest("the body has \(body.count - binaryOffset) bytes of binary data that no input claims")
        }
        var outputs: [RequestedOutput]?
        if let outputsValue = object["outputs"], outputsValue != .null {
            guard case .array(let list) = outputsValue else {
                throw .badRequest("\"outputs\" must be an array of {\"name\": ...}")
            }
            outputs = try list.enumerated().map { (i, item) throws(GatewayError) -> RequestedOutput in
                guard case .object(let o) = item, let name = o["name"]?.stringValue else {
                    throw .badRequest("outputs[\(i)] must be an object with a string \"name\"")
                }
                return RequestedOutput(name: name, binary: o["parameters"]?.objectValue?["binary_data"]?.boolValue)
            }
        }
        let binaryOutput = object["parameters"]?.objectValue?["binary_data_output"]?.boolValue ?? false
        return Request(id: id, inputs: tensors, outputs: outputs, binaryOutput: binaryOutput)
    }

    private static func parseTensor(_ value: JSONValue, index: Int, body: [UInt8],
                                    binaryOffset: inout Int) throws(GatewayError) -> Tensor {
        guard case .object(let o) = value else {
            throw .badRequest("inputs[\(index)] must be an object with name, shape, datatype and data")
        }
        guard let name = o["name"]?.stringValue else { throw .badRequest("inputs[\(index)] needs a string \"name\"") }
        let place = "input '\(name)'"
        guard let typeName = o["datatype"]?.stringValue else { throw .badRequest("\(place) needs a string \"datatype\"") }
        guard let datatype = DataType(rawValue: typeName) else {
            throw .badRequest("\(place): datatype \(typeName) is not supported (use FP32, FP64, INT64, INT32 or BYTES)")
        }
        guard case .array(let shapeValues)? = o["shape"] else {
            throw .badRequest("\(place) needs \"shape\", an array of dimensions like [2, 4]")
        }
        var shape: [Int] = []
        for dim in shapeValues {
            guard let d = dim.numberValue, d == d.rounded(), d >= 0, d < 1e9 else {
                throw .badRequest("\(place): shape \(describe(shapeValues)) must hold non-negative integers")
            }
            shape.append(Int(d))
        }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count < 50_000_000 else { throw .badRequest("\(place): shape \(shape) is too large") }
        var values: [JSONValue] = []
        values.reserveCapacity(count)
        if let size = o["parameters"]?.objectValue?["binary_data_size"] {
            guard let n = size.numberValue, n == n.rounded(), n >= 0, Int(n) <= body.count - binaryOffset else {
                throw .badRequest("\(place): binary_data_size \(describe([size])) exceeds the binary data in the body")
            }
            let bytes = body[binaryOffset..<(binaryOffset + Int(n))]
            binaryOffset += Int(n)
            try decodeBinary(bytes, datatype: datatype, count: count, place: place, into: &values)
        } else {
            guard let data = o["data"] else { throw .badRequest("\(place) needs \"data\"") }
            try flatten(data, datatype: datatype, place: place, into: &values)
            guard values.count == count else {
                throw .badRequest("\(place): shape \(shape) holds \(count) values but \"data\" has \(values.count)")
            }
        }
        return Tensor(name: name, datatype: datatype, shape: shape, values: values)
    }

    private static func describe(_ values: [JSONValue]) -> String {
        var w = JSONWriter()
        w.value(.array(values))
        let s = String(decoding: w.bytes, as: UTF8.self)
        return values.count == 1 ? String(s.dropFirst().dropLast()) : s
    }

    /// Flattens nested `data` row-major, checking each element against `datatype`.
    private static func flatten(_ data: JSONValue, datatype: DataType, place: String,
                                into values: inout [JSONValue]) throws(GatewayError) {
        switch data {
        case .array(let items):
            for item in items {
                if case .array = item {
                    try flatten(item, datatype: datatype, place: place, into: &values)
                } else {
                    try append(item, datatype: datatype, place: place, into: &values)
                }
            }
        default:
            try append(data, datatype: datatype, place: place, into: &values)
        }
    }

    private static func append(_ item: JSONValue, datatype: DataType, place: String,
                               into values: inout [JSONValue]) throws(GatewayError) {
        let position = "\(place) data[\(values.count)]"
        switch (datatype, item) {
        case (.bytes, .string):
            values.append(item)
        case (.bytes, _):
            throw .badRequest("\(position) must be a string for BYTES, got \(item.typeName)")
        case (.fp32, .number), (.fp64, .number):
            values.append(item)
        case (.int64, .number(let d)), (.int32, .number(let d)):
            guard d == d.rounded() else { throw .badRequest("\(position) must be an integer for \(datatype.rawValue), got \(d)") }
            values.append(item)
        case (_, .string(let s)):
            throw .badRequest("\(position) must be a number for \(datatype.rawValue), got a string (\(PredictAPI.quoted(s)))")
        default:
            throw .badRequest("\(position) must be a number for \(datatype.rawValue), got \(item.typeName)")
        }
    }

    private static func decodeBinary(_ bytes: ArraySlice<UInt8>, datatype: DataType, count: Int, place: String,
                                     into values: inout [JSONValue]) throws(GatewayError) {
        if let size = datatype.byteSize {
            guard bytes.count == size * count else {
                throw .badRequest("\(place): \(count) \(datatype.rawValue) values need \(size * count) bytes, got \(bytes.count)")
            }
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let offset = i * size
                    switch datatype {
                    case .fp32: values.append(.number(Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))))
                    case .fp64: values.append(.number(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))))
                    case .int64: values.append(.number(Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))))
                    case .int32: values.append(.number(Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))))
                    case .bytes: break
                    }
                }
            }
            if datatype == .fp32 || datatype == .fp64,
               let bad = values.firstIndex(where: { !($0.numberValue?.isFinite ?? true) }) {
                throw .badRequest("\(place) data[\(bad)] is not a finite number")
            }
            return
        }
        // BYTES: each element is a 4-byte little-endian length and the bytes.
        var i = bytes.startIndex
        while i < bytes.endIndex {
            guard bytes.endIndex - i >= 4 else { throw .badRequest("\(place): truncated BYTES element length") }
            let n = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
            i += 4
            guard bytes.endIndex - i >= n else { throw .badRequest("\(place): truncated BYTES element") }
            values.append(.string(String(decoding: bytes[i..<(i + n)], as: UTF8.self)))
            i += n
        }
        guard values.count == count else {
            throw .badRequest("\(place): shape holds \(count) values but the binary data has \(values.count)")
        }
    }

    // MARK: Rows

    /// Assembles feature rows in card order from the request tensors.
    ///
    /// Accepted layouts: one tensor of shape [N, F] for a single-input model (any name); or
    /// tensors named after the card inputs ([N, k], or [N] when k = 1); or tensors named after
    /// individual features ([N] or [N, 1]).
    static func rows(from request: Request, model: ModelInfo) throws(GatewayError) -> [[JSONValue]] {
        let featureCount = model.featureNames.count
        let expected = model.inputs.map { "\($0.name) \($0.datatype) [-1, \($0.features.count)]" }.joined(separator: ", ")
        // The single-tensor case.
        if request.inputs.count == 1, model.inputs.count == 1 {
            let t = request.inputs[0]
            let input = model.inputs[0]
            if t.name == input.name || model.featureIndex[t.name] == nil {
                guard t.shape.count == 2 || (t.shape.count == 1 && featureCount == 1) else {
                    throw .badRequest("input '\(t.name)': shape \(t.shape) must be [N, \(featureCount)] (rows × features)")
                }
                let width = t.shape.count == 2 ? t.shape[1] : 1
                guard width == featureCount else {
                    throw .badRequest("input '\(t.name)': model \(model.name) expects \(featureCount) features per row "
                        + "(shape [N, \(featureCount)]), got shape \(t.shape)")
                }
                try checkType(t, stringFeature: input.elementType == "string", feature: input.name)
                let n = t.shape[0]
                return (0..<n).map { r in Array(t.values[(r * width)..<((r + 1) * width)]) }
            }
        }
        // Tensors by name: card inputs, or single features.
        var columns = [(tensor: Tensor, width: Int, column: Int)?](repeating: nil, count: featureCount)
        var rowCount: Int?
        var offsets: [String: Int] = [:]
        var offset = 0
        for input in model.inputs {
            offsets[input.name] = offset
            offset += input.features.count
        }
        for t in request.inputs {
            let first: Int
            let width: Int
            let stringFeature: Bool
            if let start = offsets[t.name], let input = model.inputs.first(where: { $0.name == t.name }) {
                first = start
                width = input.features.count
                stringFeature = input.elementType == "string"
            } else if let column = model.featureIndex[t.name] {
                first = column
                width = 1
                stringFeature = model.stringColumns.contains(column)
            } else {
                throw .badRequest("input '\(t.name)' is not an input of model \(model.name) (inputs: \(expected))")
            }
            guard t.shape.count == 2 && t.shape[1] == width || t.shape.count == 1 && width == 1 else {
                throw .badRequest("input '\(t.name)': shape \(t.shape) must be [N, \(width)]" + (width == 1 ? " or [N]" : ""))
            }
            try checkType(t, stringFeature: stringFeature, feature: t.name)
            if let rowCount, rowCount != t.shape[0] {
                throw .badRequest("input '\(t.name)' has \(t.shape[0]) rows but another input has \(rowCount)")
            }
            rowCount = t.shape[0]
            for k in 0..<width {
                guard columns[first + k] == nil else {
                    throw .badRequest("feature '\(model.featureNames[first + k])' is given by more than one input")
                }
                columns[first + k] = (t, width, k)
            }
        }
        if let missing = columns.firstIndex(where: { $0 == nil }) {
            throw .badRequest("no input gives feature '\(model.featureNames[missing])' of model \(model.name) (inputs: \(expected))")
        }
        let n = rowCount ?? 0
        var rows: [[JSONValue]] = []
        rows.reserveCapacity(n)
        for r in 0..<n {
            rows.append(columns.map { c in c!.tensor.values[r * c!.width + c!.column] })
        }
        return rows
    }

    private static func checkType(_ t: Tensor, stringFeature: Bool, feature: String) throws(GatewayError) {
        if stringFeature && t.datatype != .bytes {
            throw .badRequest("input '\(t.name)': '\(feature)' holds strings, send it as BYTES, not \(t.datatype.rawValue)")
        }
        if !stringFeature && t.datatype == .bytes {
            throw .badRequest("input '\(t.name)': '\(feature)' is numeric, send FP32, FP64 or INT64, not BYTES")
        }
    }

    /// Checks the requested outputs against the model's.
    static func validateOutputs(_ request: Request, model: ModelInfo) throws(GatewayError) {
        guard let outputs = request.outputs else { return }
        let names = model.outputs.map(\.name)
        for output in outputs where !names.contains(output.name) {
            throw .badRequest("model \(model.name) has no output '\(output.name)' (outputs: \(names.joined(separator: ", ")))")
        }
    }

    // MARK: Answers

    struct Answer {
        var json: [UInt8]
        /// Binary tensor data after the JSON, when any output asked for it.
        var binary: [UInt8]?
    }

    /// The inference response from the worker's prediction record.
    static func answer(from reply: JSONObject, request: Request, model: ModelInfo) -> Answer {
        let results = reply["result"]?.arrayValue ?? reply["prediction"].map { [$0] } ?? []
        let n = results.count
        let wanted: [RequestedOutput] = request.outputs ?? model.outputs.map { RequestedOutput(name: $0.name, binary: nil) }
        var w = JSONWriter(capacity: 512)
        var binary: [UInt8] = []
        var anyBinary = false
        w.raw("{\"model_name\":")
        w.string(model.name)
        w.raw(",\"model_version\":")
        if let version = reply["model_version"]?.stringValue { w.string(version) } else { w.string(model.version) }
        if let id = request.id {
            w.raw(",\"id\":")
            w.string(id)
        }
        w.raw(",\"outputs\":[")
        for (i, output) in wanted.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            let asBinary = output.binary ?? request.binaryOutput
            var datatype: String
            var shape: [Int]
            var data: [JSONValue]
            switch output.name {
            case "label":
                let strings = results.contains { if case .string = $0 { true } else { false } }
                datatype = strings ? "BYTES" : "INT64"
                shape = [n]
                data = results
            case "probabilities":
                let rows = reply["probabilities"]?.arrayValue ?? []
                let perRow: [[JSONValue]] = reply["result"] == nil ? [rows] : rows.map { $0.arrayValue ?? [] }
                datatype = "FP32"
                shape = [perRow.count, perRow.first?.count ?? 0]
                data = perRow.flatMap { $0 }
            default:  // "variable": regression values
                datatype = "FP32"
                let flat = results.flatMap { $0.arrayValue ?? [$0] }
                shape = [n, n == 0 ? 1 : flat.count / n]
                data = flat
            }
            w.raw("{\"name\":")
            w.string(output.name)
            w.raw(",\"datatype\":")
            w.string(datatype)
            w.raw(",\"shape\":[")
            for (k, d) in shape.enumerated() {
                if k > 0 { w.byte(UInt8(ascii: ",")) }
                w.int(d)
            }
            w.byte(UInt8(ascii: "]"))
            if asBinary {
                anyBinary = true
                let before = binary.count
                appendBinary(data, datatype: datatype, to: &binary)
                w.raw(",\"parameters\":{\"binary_data_size\":")
                w.int(binary.count - before)
                w.raw("}}")
            } else {
                w.raw(",\"data\":")
                w.value(.array(data))
                w.byte(UInt8(ascii: "}"))
            }
        }
        w.raw("]}")
        return Answer(json: w.bytes, binary: anyBinary ? binary : nil)
    }

    private static func appendBinary(_ data: [JSONValue], datatype: String, to out: inout [UInt8]) {
        func put<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
        for value in data {
            switch datatype {
            case "INT64": put(Int64(value.numberValue ?? 0))
            case "BYTES":
                let s: String = switch value {
                case .string(let s): s
                case .number(let d): d == d.rounded() ? String(Int64(d)) : String(d)
                default: ""
                }
                put(UInt32(s.utf8.count))
                out.append(contentsOf: s.utf8)
            default: put(Float(value.numberValue ?? .nan).bitPattern)
            }
        }
    }

    // MARK: Metadata

    static func serverMetadata() -> [UInt8] {
        var w = JSONWriter()
        w.raw("{\"name\":")
        w.string(serverName)
        w.raw(",\"version\":")
        w.string(serverVersion)
        w.raw(",\"extensions\":[\"binary_tensor_data\"]}")
        return w.bytes
    }

    static func modelMetadata(_ model: ModelInfo, versions: [String]) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        w.raw("{\"name\":")
        w.string(model.name)
        w.raw(",\"versions\":")
        w.value(.array(versions.map(JSONValue.string)))
        w.raw(",\"platform\":\"onnx\",\"inputs\":[")
        for (i, input) in model.inputs.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"name\":")
            w.string(input.name)
            w.raw(",\"datatype\":")
            w.string(input.datatype)
            w.raw(",\"shape\":[-1,")
            w.int(input.features.count)
            w.raw("]}")
        }
        w.raw("],\"outputs\":[")
        for (i, output) in model.outputs.enumerated() {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            w.raw("{\"name\":")
            w.string(output.name)
            w.raw(",\"datatype\":")
            w.string(output.datatype)
            w.raw(",\"shape\":")
            w.value(.array(output.shape.map { .number(Double($0)) }))
            w.byte(UInt8(ascii: "}"))
        }
        w.raw("]}")
        return w.bytes
    }
}
