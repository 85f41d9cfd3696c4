import Foundation
import Testing
@testable import StreamScoreModel

@Suite("Loader: real model files")
struct LoaderRealFileTests {
    static func bytes(_ directory: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("Models/\(directory)/model.onnx"))))
    }

    @Test("decodes", arguments: Fixtures.directories)
    func decodes(_ directory: String) throws {
        let model = try OnnxModel.decode(try Self.bytes(directory))
        #expect(model.opsets[""] != nil, "\(directory) imports no default opset")
        #expect(!model.graph.nodes.isEmpty)
        #expect(!model.graph.inputs.isEmpty && !model.graph.outputs.isEmpty)
        for output in model.graph.outputs {
            if case .other(let what) = output.type { Issue.record("\(directory): output \(output.name) has type \(what)") }
        }
    }

    @Test func truncatedIrisFileIsMalformedAtEveryCut() throws {
        let bytes = try Self.bytes("iris/1")
        let step = max(1, bytes.count / 400)
        for cut in stride(from: 0, to: bytes.count, by: step) {
            do {
                _ = try ModelRuntime(bytes: Array(bytes[..<cut]))
                Issue.record("cut at \(cut) of \(bytes.count) loaded")
            } catch {
                // skl2onnx writes opset_import after the graph: a cut there leaves a well-formed
                // model that lacks the ML opset, which the compiler reports.
                if case .invalidGraph(let message) = error, message.contains("which the model does not import") { continue }
                guard case .malformed(let message) = error else {
                    Issue.record("cut at \(cut): expected .malformed, got \(error)")
                    continue
                }
                #expect(message.contains(" at byte ") && message.contains(" in ModelProto") || message == "ModelProto has no graph",
                        "cut at \(cut): \(message)")
            }
        }
    }

    @Test func truncationInsideTheGraphNamesThePath() throws {
        let bytes = try Self.bytes("iris/1")
        do {
            _ = try OnnxModel.decode(Array(bytes[..<(bytes.count * 3 / 4)]))
            Issue.record("expected an error")
        } catch {
            guard case .malformed(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.hasPrefix("truncated field 'graph'") && message.hasSuffix(" in ModelProto"), "\(message)")
        }
    }
}
