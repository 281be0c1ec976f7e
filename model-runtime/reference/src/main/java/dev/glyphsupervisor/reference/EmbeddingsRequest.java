package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated {@code POST /v1/embeddings} body, in OpenAI's shape: {@code input} is a string or a list
 * of strings; {@code model}, {@code encoding_format} ("float" or "base64") and {@code dimensions} are
 * optional; other fields (such as {@code user}) are ignored, as OpenAI-compatible servers do.
 * Token-id arrays are not accepted: this server tokenizes for itself.
 */
record EmbeddingsRequest(List<String> inputs, boolean base64) {

    /** The limits a request must keep, from the command line. */
    record Limits(String modelId, int dimension, int maxInputs, int maxInputChars) {
    }

    static EmbeddingsRequest parse(ObjectMapper json, byte[] body, Limits limits) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.invalid("body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("body must be a JSON object with an \"input\" field");
        }
        checkModel(root.get("model"), limits);
        checkDimensions(root.get("dimensions"), limits);
        return new EmbeddingsRequest(inputs(root.get("input"), limits), base64(root.get("encoding_format")));
    }

    private static List<String> inputs(JsonNode input, Limits limits) {
        if (input == null || input.isNull()) {
            throw ApiException.invalid("\"input\" is required: a string or a list of strings");
        }
        List<String> inputs = new ArrayList<>();
        if (input.isTextual()) {
            inputs.add(checkText(input.textValue(), "input", limits));
        } else if (input.isArray()) {
            if (input.isEmpty()) {
                throw ApiException.invalid("\"input\" is an empty list");
            }
            if (input.size() > limits.maxInputs()) {
                throw ApiException.invalid("\"input\" has " + input.size() + " items; at most "
                        + limits.maxInputs() + " are allowed in one request");
            }
            for (int i = 0; i < input.size(); i++) {
                JsonNode item = input.get(i);
                if (!item.isTextual()) {
                    throw ApiException.invalid("input[" + i + "] must be a string, not " + kind(item));
                }
                inputs.add(checkText(item.textValue(), "input[" + i + "]", limits));
            }
        } else {
            throw ApiException.invalid("\"input\" must be a string or a list of strings, not " + kind(input));
        }
        return inputs;
    }

    private static String checkText(String text, String where, Limits limits) {
        // The model has nothing to read in a blank string, and OpenAI rejects it too.
        if (text.isBlank()) {
            throw ApiException.invalid(where + " is empty");
        }
        if (text.length() > limits.maxInputChars()) {
            throw ApiException.invalid(where + " has " + text.length() + " characters; at most "
                    + limits.maxInputChars() + " are allowed");
        }
        return text;
    }

    private static void checkModel(JsonNode model, Limits limits) {
        if (model == null || model.isNull()) {
            return;
        }
        if (!model.isTextual()) {
            throw ApiException.invalid("\"model\" must be a string, not " + kind(model));
        }
        if (!model.textValue().equalsIgnoreCase(limits.modelId())) {
            throw new ApiException(404, "model_not_found",
                    "model '" + model.textValue() + "' is not served here; this server has '" + limits.modelId() + "'");
        }
    }

    private static void checkDimensions(JsonNode dimensions, Limits limits) {
        if (dimensions == null || dimensions.isNull()) {
            return;
        }
        if (!dimensions.isInt() || dimensions.intValue() != limits.dimension()) {
            throw ApiException.invalid("\"dimensions\" must be " + limits.dimension()
                    + " (this model's only size), not " + dimensions);
        }
    }

    private static boolean base64(JsonNode format) {
        if (format == null || format.isNull()) {
            return false;
        }
        if (format.isTextual() && format.textValue().equals("float")) {
            return false;
        }
        if (format.isTextual() && format.textValue().equals("base64")) {
            return true;
        }
        throw ApiException.invalid("\"encoding_format\" must be \"float\" or \"base64\", not " + format);
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
