import Logging
import StreamScoreContract
@testable import StreamScoreGateway
import Testing

/// Request validation, V2 tensor handling, answers, correlation ids and auth, without Kafka.
@Suite("Gateway request parsing and answers")
struct RequestParsingTests {
    let catalog = ModelCatalog(directory: modelsDirectory, logger: quietLogger)

    func iris() throws -> ModelInfo { try catalog.lookup("iris", version: nil) }

    func predict(_ text: String) throws(GatewayError) -> PredictAPI.Request {
        let value: JSONValue
        do { value = try JSONParser.parse(Array(text.utf8)) } catch { throw .badRequest("\(error)") }
        return try PredictAPI.parse(value, catalog: catalog)
    }

    func predictError(_ text: String) -> GatewayError? {
        do { _ = try predict(text); return nil } catch { return error }
    }

    @Test("/predict accepts positional and named rows, model and version")
    func predictAccepts() throws {
        let plain = try predict(#"{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, null, 1.4]]}"#)
        #expect(plain.model == nil && plain.version == nil && plain.rows.count == 2)
        let named = try predict(#"{"model": "iris", "model_version": 1, "data": [{"sepal_length": 5.1}]}"#)
        #expect(named.model == "iris" && named.version == "1")
        var w = JSONWriter()
        PredictAPI.writeRecord(plain, into: &w, id: "abc")
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"id":"abc","data":[[5.1,3.5,1.4,0.2],[6.7,3.1,null,1.4]]}"#)
    }

    @Test("/predict rejections say what and where", arguments: [
        ("[[1, 2]]", 400, "must be a JSON object"),
        (#"{"rows": []}"#, 400, "missing \"data\""),
        (#"{"data": {"a": 1}}"#, 400, "\"data\" must be an array of rows"),
        (#"{"data": []}"#, 400, "\"data\" has no rows"),
        (#"{"data": [5.1, 3.5]}"#, 400, "data[0] must be an array of feature values or an object of named features, got a number"),
        (#"{"data": [[]]}"#, 400, "data[0] is an empty row"),
        (#"{"data": [[1, 2], [3, "x"]]}"#, 400, "data[1][1] must be a number, got a string (\"x\")"),
        (#"{"data": [[1, true]]}"#, 400, "data[0][1] must be a number, got a boolean"),
        (#"{"data": [[1, [2]]]}"#, 400, "data[0][1] must be a number, got an array"),
        (#"{"data": [{"sepal_length": "long"}]}"#, 400, "data[0][\"sepal_length\"] must be a number, got a string"),
        (#"{"model": 3, "data": [[1]]}"#, 400, "\"model\" must be a string"),
        (#"{"model_version": "1", "data": [[1]]}"#, 400, "\"model_version\" needs \"model\""),
        (#"{"model": "nope", "data": [[1]]}"#, 404, "unknown model 'nope' (available: iris)"),
        (#"{"model": "iris", "model_version": "7", "data": [[1]]}"#, 404, "model 'iris' has no version '7' (available: 1)"),
    ])
    func predictRejects(body: String, status: Int, message: String) {
        let error = predictError(body)
        #expect(error?.status.code == status, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test("The /predict answer keeps result, probabilities, labels, model and version")
    func predictAnswer() throws {
        let reply = try #require(try JSONParser.parse(Array(#"""
            {"id":"x","model":"iris","model_version":"1","result":[0,1],"labels":["setosa","versicolor"],
             "probabilities":[[0.9,0.1,0],[0.1,0.8,0.1]],"source":{"topic":"features","partition":0,"offset":3},"worker":"w"}
            """#.utf8)).objectValue)
        #expect(String(decoding: PredictAPI.answer(from: reply), as: UTF8.self) ==
                #"{"result":[0,1],"probabilities":[[0.9,0.1,0],[0.1,0.8,0.1]],"labels":["setosa","versicolor"],"model":"iris","model_version":"1"}"#)
        let rejected = try #require(try JSONParser.parse(Array(#"{"id":"x","error":"wrong-feature-count","error_detail":"row 0 has 3 features"}"#.utf8)).objectValue)
        let error = try #require(GatewayError.fromWorkerReply(rejected))
        #expect(error.status == .badRequest)
        #expect(error.message == "wrong-feature-count: row 0 has 3 features")
        #expect(GatewayError.status(forDeadLetterCode: "unknown-model") == .notFound)
        #expect(GatewayError.status(forDeadLetterCode: "expired") == .gatewayTimeout)
        #expect(GatewayError.fromWorkerReply(reply) == nil)
    }

    // MARK: V2

    func infer(_ text: String, binary: [UInt8] = []) throws(GatewayError) -> InferenceProtocol.Request {
        let body = Array(text.utf8) + binary
        return try InferenceProtocol.parse(body: body, jsonLength: binary.isEmpty ? nil : text.utf8.count)
    }

    func inferError(_ text: String) -> GatewayError? {
        do {
            let request = try infer(text)
            let model = try catalog.lookup("iris", version: nil)
            try InferenceProtocol.validateOutputs(request, model: model)
            _ = try InferenceProtocol.rows(from: request, model: model)
            return nil
        } catch {
            return error
        }
    }

    @Test("V2 inputs: flat, nested, binary FP32/FP64/INT64, per-feature tensors all give the same rows")
    func inferRows() throws {
        let model = try iris()
        let expected: [[JSONValue]] = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]].map { $0.map { .number($0) } }
        let flat = try infer(#"{"inputs":[{"name":"float_input","shape":[2,4],"datatype":"FP64","data":[5.1,3.5,1.4,0.2,6.7,3.1,4.4,1.4]}]}"#)
        #expect(try InferenceProtocol.rows(from: flat, model: model) == expected)
        let nested = try infer(#"{"inputs":[{"name":"x","shape":[2,4],"datatype":"FP64","data":[[5.1,3.5,1.4,0.2],[6.7,3.1,4.4,1.4]]}]}"#)
        #expect(try InferenceProtocol.rows(from: nested, model: model) == expected)
        let perFeature = try infer("""
            {"inputs":[{"name":"petal_width","shape":[2],"datatype":"FP64","data":[0.2,1.4]},
                       {"name":"sepal_length","shape":[2,1],"datatype":"FP64","data":[5.1,6.7]},
                       {"name":"sepal_width","shape":[2],"datatype":"FP64","data":[3.5,3.1]},
                       {"name":"petal_length","shape":[2],"datatype":"FP64","data":[1.4,4.4]}]}
            """)
        #expect(try InferenceProtocol.rows(from: perFeature, model: model) == expected)
        var fp64: [UInt8] = []
        for v in [5.1, 3.5, 1.4, 0.2, 6.7, 3.1, 4.4, 1.4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { fp64 += $0 } }
        let binary = try infer(#"{"inputs":[{"name":"float_input","shape":[2,4],"datatype":"FP64","parameters":{"binary_data_size":64}}]}"#,
                               binary: fp64)
        #expect(try InferenceProtocol.rows(from: binary, model: model) == expected)
        var int64: [UInt8] = []
        for v: Int64 in [5, 3, 1, 0] { withUnsafeBytes(of: v.littleEndian) { int64 += $0 } }
        let ints = try infer(#"{"inputs":[{"name":"float_input","shape":[1,4],"datatype":"INT64","parameters":{"binary_data_size":32}}]}"#,
                             binary: int64)
        #expect(try InferenceProtocol.rows(from: ints, model: model) == [[5, 3, 1, 0].map { .number($0) }])
        var fp32: [UInt8] = []
        for v: Float in [1.5, 2, 3, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { fp32 += $0 } }
        let floats = try infer(#"{"id":"q","inputs":[{"name":"float_input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],"parameters":{"binary_data_output":true}}"#,
                               binary: fp32)
        #expect(floats.id == "q" && floats.binaryOutput)
        #expect(try InferenceProtocol.rows(from: floats, model: model) == [[1.5, 2, 3, 4].map { .number($0) }])
    }

    @Test("V2 rejections say what and where", arguments: [
        ("[]", "an inference request must be a JSON object"),
        (#"{"inputs": []}"#, "\"inputs\" must be a non-empty array"),
        (#"{"inputs": [{"shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#, "inputs[0] needs a string \"name\""),
        (#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32"}]}"#, "input 'x' needs \"data\""),
        (#"{"inputs": [{"name": "x", "shape": [1, -4], "datatype": "FP32", "data": [1]}]}"#, "must hold non-negative integers"),
        (#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "UINT8", "data": [1, 2, 3, 4]}]}"#, "datatype UINT8 is not supported"),
        (#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "INT64", "data": [1, 2, 3.5, 4]}]}"#, "input 'x' data[2] must be an integer for INT64"),
        (#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, "3", 4]}]}"#, "input 'x' data[2] must be a number for FP32, got a string (\"3\")"),
        (#"{"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#, "shape [2, 4] holds 8 values but \"data\" has 4"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"#, "model iris expects 4 features per row (shape [N, 4]), got shape [1, 3]"),
        (#"{"inputs": [{"name": "x", "shape": [4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#, "shape [4] must be [N, 4]"),
        (#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "BYTES", "data": ["a", "b", "c", "d"]}]}"#, "is numeric, send FP32, FP64 or INT64, not BYTES"),
        (#"{"inputs": [{"name": "sepal_length", "shape": [1], "datatype": "FP32", "data": [1]}]}"#, "no input gives feature 'sepal_width'"),
        (#"{"inputs": [{"name": "a", "shape": [1], "datatype": "FP32", "data": [1]}, {"name": "b", "shape": [1], "datatype": "FP32", "data": [1]}]}"#, "input 'a' is not an input of model iris (inputs: float_input FP32 [-1, 4])"),
        (#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}], "outputs": [{"name": "scores"}]}"#, "model iris has no output 'scores' (outputs: label, probabilities)"),
    ])
    func inferRejects(body: String, message: String) {
        let error = inferError(body)
        #expect(error?.status == .badRequest, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test("Binary data sizes must match the body")
    func binarySizes() {
        #expect(throws: GatewayError.self) {
            try infer(#"{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":32}}]}"#,
                      binary: [UInt8](repeating: 0, count: 16))
        }
        #expect(throws: GatewayError.self) {
            try infer(#"{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":12}}]}"#,
                      binary: [UInt8](repeating: 0, count: 16))
        }
    }

    @Test("V2 answers: JSON and binary outputs, restricted outputs, ids echoed")
    func inferAnswers() throws {
        let model = try iris()
        let reply = try #require(try JSONParser.parse(Array(#"{"model":"iris","model_version":"1","result":[0,2],"probabilities":[[0.5,0.25,0.25],[0,0,1]]}"#.utf8)).objectValue)
        var request = try infer(#"{"id":"r1","inputs":[{"name":"x","shape":[2,4],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}"#)
        var answer = InferenceProtocol.answer(from: reply, request: request, model: model)
        #expect(answer.binary == nil)
        #expect(String(decoding: answer.json, as: UTF8.self) == #"{"model_name":"iris","model_version":"1","id":"r1","outputs":[{"name":"label","datatype":"INT64","shape":[2],"data":[0,2]},{"name":"probabilities","datatype":"FP32","shape":[2,3],"data":[0.5,0.25,0.25,0,0,1]}]}"#)

        request.outputs = [.init(name: "probabilities", binary: true)]
        answer = InferenceProtocol.answer(from: reply, request: request, model: model)
        #expect(String(decoding: answer.json, as: UTF8.self) == #"{"model_name":"iris","model_version":"1","id":"r1","outputs":[{"name":"probabilities","datatype":"FP32","shape":[2,3],"parameters":{"binary_data_size":24}}]}"#)
        let floats = try #require(answer.binary).withUnsafeBytes { raw in
            (0..<6).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        #expect(floats == [0.5, 0.25, 0.25, 0, 0, 1])

        request.outputs = nil
        request.binaryOutput = true
        answer = InferenceProtocol.answer(from: reply, request: request, model: model)
        #expect(answer.binary?.count == 16 + 24)

        let strings = try #require(try JSONParser.parse(Array(#"{"model":"m","result":["cat","dog"]}"#.utf8)).objectValue)
        request.outputs = [.init(name: "label", binary: nil)]
        request.binaryOutput = false
        answer = InferenceProtocol.answer(from: strings, request: request, model: model)
        #expect(String(decoding: answer.json, as: UTF8.self).contains(#"{"name":"label","datatype":"BYTES","shape":[2],"data":["cat","dog"]}"#))
    }

    @Test("V2 model metadata comes from the card")
    func metadata() throws {
        let text = String(decoding: InferenceProtocol.modelMetadata(try iris(), versions: ["1"]), as: UTF8.self)
        #expect(text == #"{"name":"iris","versions":["1"],"platform":"onnx","inputs":[{"name":"float_input","datatype":"FP32","shape":[-1,4]}],"outputs":[{"name":"label","datatype":"INT64","shape":[-1]},{"name":"probabilities","datatype":"FP32","shape":[-1,3]}]}"#)
    }

    // MARK: Correlation and auth

    @Test("Correlation ids are version-4 UUIDs that carry the instance and the sequence")
    func correlationIDs() throws {
        let instance: UInt64 = 0x1234_5678_9abc_4def
        let text = CorrelationID.string(instanceHex: CorrelationID.hex(instance), sequence: 42)
        #expect(text == "12345678-9abc-4def-8000-00000000002a")
        let parsed = try #require(CorrelationID.parse(Array(text.utf8)))
        #expect(parsed.instance == instance && parsed.sequence == 42)
        let big = CorrelationID.string(instanceHex: CorrelationID.hex(instance), sequence: CorrelationID.sequenceMask)
        #expect(CorrelationID.parse(Array(big.utf8))?.sequence == CorrelationID.sequenceMask)
        #expect(CorrelationID.parse(Array("not-a-uuid".utf8)) == nil)
        #expect(CorrelationID.parse(Array("12345678-9abc-4def-8000-00000000002g".utf8)) == nil)
        #expect(CorrelationID.parse(Array("12345678+9abc-4def-8000-00000000002a".utf8)) == nil)
    }

    @Test("Bearer tokens are compared in full")
    func bearer() {
        let token = Array("s3cret".utf8)
        #expect(GatewayResponder.checkAuthorization("Bearer s3cret", token: token) == nil)
        #expect(GatewayResponder.checkAuthorization("bearer s3cret", token: token) == nil)
        #expect(GatewayResponder.checkAuthorization("Bearer s3cre", token: token)?.status == .unauthorized)
        #expect(GatewayResponder.checkAuthorization("Bearer s3cret2", token: token)?.status == .unauthorized)
        #expect(GatewayResponder.checkAuthorization("Basic s3cret", token: token)?.message.contains("missing bearer token") == true)
        #expect(GatewayResponder.checkAuthorization(nil, token: token)?.headers[.wwwAuthenticate] != nil)
        #expect(GatewayResponder.constantTimeEquals([], []))
        #expect(!GatewayResponder.constantTimeEquals([1], []))
        #expect(!GatewayResponder.constantTimeEquals([], [1]))
    }
}
