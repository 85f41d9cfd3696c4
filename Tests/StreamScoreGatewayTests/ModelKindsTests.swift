import Foundation
@testable import StreamScoreGateway
import Testing

/// Cards other than iris: a regressor, string class labels, and a model with several typed inputs.
@Suite("Gateway model kinds from cards")
struct ModelKindsTests {
    /// A throwaway model store with three zoo models as version 1.
    static let store: String = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-store-\(UUID().uuidString.prefix(8))")
        for name in ["dtree_regressor", "logreg_string_labels", "coltransformer_logreg_nozipmap"] {
            let target = root.appendingPathComponent(name).appendingPathComponent("1")
            try? FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for file in ["card.json", "model.onnx"] {
                try? FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Models/zoo/\(name)/\(file)"),
                                                  to: target.appendingPathComponent(file))
            }
        }
        return root.path
    }()

    let catalog = ModelCatalog(directory: ModelKindsTests.store, logger: quietLogger)

    func object(_ text: String) throws -> JSONObject {
        try #require(try JSONParser.parse(Array(text.utf8)).objectValue)
    }

    @Test("A regressor answers with 'variable' [N, 1]")
    func regressor() throws {
        let model = try catalog.lookup("dtree_regressor", version: nil)
        #expect(model.outputs.map(\.name) == ["variable"])
        let metadata = String(decoding: InferenceProtocol.modelMetadata(model, versions: ["1"]), as: UTF8.self)
        #expect(metadata.contains(#""outputs":[{"name":"variable","datatype":"FP32","shape":[-1,1]}]"#), "\(metadata)")
        let request = try InferenceProtocol.parse(body: Array(#"{"inputs":[{"name":"float_input","shape":[2,10],"datatype":"FP32","data":[0,0,0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,1,1]}]}"#.utf8), jsonLength: nil)
        #expect(try InferenceProtocol.rows(from: request, model: model).count == 2)
        let answer = InferenceProtocol.answer(from: try object(#"{"model":"dtree_regressor","model_version":"1","result":[1.5,-2.25]}"#),
                                              request: request, model: model)
        #expect(String(decoding: answer.json, as: UTF8.self)
                == #"{"model_name":"dtree_regressor","model_version":"1","outputs":[{"name":"variable","datatype":"FP32","shape":[2,1],"data":[1.5,-2.25]}]}"#)
    }

    @Test("String class labels are BYTES")
    func stringLabels() throws {
        let model = try catalog.lookup("logreg_string_labels", version: "1")
        #expect(model.outputs.first?.datatype == "BYTES")
        let request = try InferenceProtocol.parse(body: Array(#"{"inputs":[{"name":"float_input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"label","parameters":{"binary_data":true}}]}"#.utf8), jsonLength: nil)
        let answer = InferenceProtocol.answer(from: try object(#"{"result":["versicolor"],"probabilities":[[0.1,0.8,0.1]]}"#),
                                              request: request, model: model)
        #expect(String(decoding: answer.json, as: UTF8.self).contains(#"{"name":"label","datatype":"BYTES","shape":[1],"parameters":{"binary_data_size":14}}"#))
        #expect(answer.binary == [10, 0, 0, 0] + Array("versicolor".utf8))
    }

    @Test("Several typed inputs: V2 tensors per input, strings only where the card has them")
    func typedInputs() throws {
        let model = try catalog.lookup("coltransformer_logreg_nozipmap", version: nil)
        let metadata = String(decoding: InferenceProtocol.modelMetadata(model, versions: ["1"]), as: UTF8.self)
        #expect(metadata.contains(#"{"name":"color","datatype":"BYTES","shape":[-1,1]}"#), "\(metadata)")
        #expect(metadata.contains(#"{"name":"count","datatype":"INT64","shape":[-1,1]}"#), "\(metadata)")
        let body = """
            {"inputs":[{"name":"count","shape":[2],"datatype":"INT64","data":[3,4]},
                       {"name":"color","shape":[2,1],"datatype":"BYTES","data":["red","blue"]},
                       {"name":"num_a","shape":[2],"datatype":"FP32","data":[0.5,1.5]},
                       {"name":"num_b","shape":[2],"datatype":"FP32","data":[1,2]},
                       {"name":"num_c","shape":[2],"datatype":"FP64","data":[7,8]}]}
            """
        let rows = try InferenceProtocol.rows(from: try InferenceProtocol.parse(body: Array(body.utf8), jsonLength: nil), model: model)
        #expect(rows == [[.number(0.5), .number(1), .number(7), .string("red"), .number(3)],
                         [.number(1.5), .number(2), .number(8), .string("blue"), .number(4)]])
        let wrongType = body.replacingOccurrences(of: #""name":"color","shape":[2,1],"datatype":"BYTES","data":["red","blue"]"#,
                                                  with: #""name":"color","shape":[2,1],"datatype":"FP32","data":[1,2]"#)
        #expect(throws: GatewayError.self) {
            try InferenceProtocol.rows(from: try InferenceProtocol.parse(body: Array(wrongType.utf8), jsonLength: nil), model: model)
        }
        // /predict: a string is fine in the string feature, not in a numeric one.
        let ok = try JSONParser.parse(Array(#"{"model":"coltransformer_logreg_nozipmap","data":[[0.5,1,7,"red",3],{"color":"blue","num_a":1}]}"#.utf8))
        #expect(try PredictAPI.parse(ok, catalog: catalog).rows.count == 2)
        let bad = try JSONParser.parse(Array(#"{"model":"coltransformer_logreg_nozipmap","data":[{"num_a":"x"}]}"#.utf8))
        #expect(throws: GatewayError.self) { try PredictAPI.parse(bad, catalog: catalog) }
    }
}
