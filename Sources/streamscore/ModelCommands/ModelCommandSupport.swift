import ArgumentParser
import Foundation
import StreamScoreModel

/// Shared plumbing of the model commands: resolving model paths and reporting errors.
enum ModelCommandSupport {
    /// The .onnx file for PATH: the file itself, or `model.onnx` inside a model directory.
    static func modelFile(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return (path as NSString).appendingPathComponent("model.onnx")
        }
        return path
    }

    /// The card.json next to the model, when there is one.
    static func cardFile(_ path: String) -> String? {
        let directory = modelFile(path) == path ? (path as NSString).deletingLastPathComponent : path
        let card = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent("card.json")
        return FileManager.default.fileExists(atPath: card) ? card : nil
    }

    static func writeOut(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Runs `body`, turning a `ModelError` into a message on stderr and exit code 2.
    static func exitingOnModelError(_ body: () throws(ModelError) -> Void) throws {
        do {
            try body()
        } catch {
            writeError("error: \(error)")
            throw ExitCode(2)
        }
    }
}
