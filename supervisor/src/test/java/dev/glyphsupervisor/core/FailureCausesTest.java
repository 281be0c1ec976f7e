package dev.glyphsupervisor.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cause table on real-looking output: each cause, the order rules, the signatures. No processes, no files. */
class FailureCausesTest {

    private static final FailureCauses CAUSES = FailureCauses.DEFAULT;

    private static Diagnosis classify(int exit, String... lines) {
        return CAUSES.classify(new OutputTail(List.of(lines)), OptionalInt.of(exit));
    }

    @Test
    void aMissingPythonModule() {
        Diagnosis d = classify(1,
                "Traceback (most recent call last):",
                "  File \"/root/glyph/app.py\", line 3, in <module>",
                "    import gradio",
                "ModuleNotFoundError: No module named 'gradio'");
        assertEquals("missing_module", d.cause());
        assertFalse(d.retry(), "installing a module is not something a retry does");
        assertEquals("ModuleNotFoundError: No module named 'gradio'", d.line());
        assertEquals(4, d.logTail().size());
    }

    @Test
    void pythonMinusMOfAModuleThatIsNotInstalledAndAnImportError() {
        assertEquals("missing_module", classify(1, "/usr/bin/python3: No module named vllm").cause());
        assertEquals("missing_module", classify(1,
                "ImportError: cannot import name 'LlamaTokenizer' from 'transformers' (/usr/lib/python3/transformers/__init__.py)").cause());
    }

    @Test
    void cudaOutOfMemoryWhileLoading() {
        Diagnosis d = classify(1,
                "  File \"/usr/lib/python3/site-packages/torch/nn/modules/module.py\", line 1326, in convert",
                "    return t.to(device, dtype if t.is_floating_point() or t.is_complex() else None, non_blocking)",
                "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 224.00 MiB. GPU 0 has a total capacity of "
                        + "79.10 GiB of which 101.06 MiB is free. Process 2113 has 78.98 GiB memory in use.");
        assertEquals("gpu_out_of_memory", d.cause());
        assertTrue(d.retry(), "the memory may be free at the next try");
        assertEquals("gpu_out_of_memory", classify(1, "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB").cause());
    }

    @Test
    void vllmWithNoMemoryLeftForTheKvCache() {
        Diagnosis d = classify(1,
                "ERROR 11-26 12:00:01 [core.py:586]   File \"/usr/lib/python3/site-packages/vllm/v1/core/kv_cache_utils.py\", line 528",
                "ERROR 11-26 12:00:01 [core.py:586] ValueError: No available memory for the cache blocks. Try increasing "
                        + "`gpu_memory_utilization` when initializing the engine.",
                "Traceback (most recent call last):",
                "  File \"/usr/bin/vllm\", line 8, in <module>",
                "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}");
        assertEquals("gpu_out_of_memory", d.cause(), "the root cause above the last traceback");
        assertTrue(d.line().contains("No available memory for the cache blocks"), d.line());
        assertEquals("gpu_out_of_memory", classify(1,
                "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 4096.00 MiB on device 0: cudaMalloc failed: out of memory").cause());
    }

    @Test
    void aPortAlreadyBound() {
        assertEquals("port_in_use", classify(1, "OSError: [Errno 98] Address already in use").cause());
        Diagnosis uvicorn = classify(1, "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 7860): "
                + "address already in use");
        assertEquals("port_in_use", uvicorn.cause());
        assertTrue(uvicorn.retry(), "the holder may go away");
    }

    @Test
    void cudaDriverMismatchesAndNoDevice() {
        for (String line : List.of(
                "RuntimeError: The NVIDIA driver on your system is too old (found version 11040). Please update your GPU driver",
                "RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version",
                "RuntimeError: CUDA error: no CUDA-capable device is detected",
                "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver",
                "RuntimeError: No CUDA GPUs are available",
                "Failed to initialize NVML: Driver/library version mismatch",
                "Error 804: forward compatibility was attempted on non supported HW")) {
            Diagnosis d = classify(1, line);
            assertEquals("cuda_driver", d.cause(), line);
            assertFalse(d.retry(), line);
        }
    }

    @Test
    void aLibraryImportThatFailsForWantOfTheDriverIsTheDriverNotAModule() {
        Diagnosis d = classify(1, "ImportError: libcuda.so.1: cannot open shared object file: No such file or directory");
        assertEquals("cuda_driver", d.cause(), "the table's order decides within one line");
    }

    @Test
    void aFileOrModelPathThatDoesNotExist() {
        Diagnosis d = classify(1,
                "  File \"/root/glyph/load.py\", line 12, in load",
                "    with open(path, 'rb') as f:",
                "FileNotFoundError: [Errno 2] No such file or directory: '/models/glyph/model.safetensors'");
        assertEquals("file_not_found", d.cause());
        assertFalse(d.retry());
        assertEquals("file_not_found", classify(2,
                "python3: can't open file '/root/glyph/app.py': [Errno 2] No such file or directory").cause());
        assertEquals("file_not_found", classify(127, "/root/serve.sh: line 4: vllm: command not found").cause());
    }

    @Test
    void permissionDenied() {
        Diagnosis d = classify(126, "/root/serve.sh: line 2: ./model_server: Permission denied");
        assertEquals("permission_denied", d.cause());
        assertFalse(d.retry());
        assertEquals("permission_denied", classify(1,
                "PermissionError: [Errno 13] Permission denied: '/root/.cache/huggingface/hub'").cause());
    }

    @Test
    void exitStatusesOfTheShellSpeakWhenNoLineDoes() {
        Diagnosis notFound = classify(127, "/bin/sh: 1: exec: /root/serve.sh: not found");
        assertEquals("file_not_found", notFound.cause());
        assertEquals("/bin/sh: 1: exec: /root/serve.sh: not found", notFound.line());
        assertEquals("permission_denied", classify(126).cause());
    }

    @Test
    void theKernelsOomKillerWithASigkill() {
        Diagnosis d = CAUSES.classify(new OutputTail(List.of("loading weights 40%", "Killed"),
                "the kernel's OOM killer: oom_kill 0 -> 1"), OptionalInt.of(137));
        assertEquals("oom_killed", d.cause());
        assertEquals("the kernel's OOM killer: oom_kill 0 -> 1", d.line());
        assertTrue(d.retry());
    }

    @Test
    void aSigkillWithoutTheKernelsRecordIsNotAnOomKill() {
        Diagnosis d = classify(137, "loading weights 40%");
        assertEquals("unknown", d.cause());
        assertEquals("loading weights 40%", d.line(), "the last line written, for want of a better one");
    }

    @Test
    void unknownWhenNothingMatchesAndNullLineWhenNothingWasWritten() {
        Diagnosis d = classify(3, "starting", "something went wrong", "");
        assertEquals("unknown", d.cause());
        assertTrue(d.retry());
        assertEquals("something went wrong", d.line());
        Diagnosis silent = classify(1);
        assertEquals("unknown", silent.cause());
        assertNull(silent.line());
        assertEquals(List.of(), silent.logTail());
    }

    @Test
    void theLastLineThatMatchesDecidesNotTheFirst() {
        Diagnosis d = classify(1,
                "WARNING: No module named 'flash_attn'; falling back to the slow attention",
                "FileNotFoundError: [Errno 2] No such file or directory: '/models/x/config.json'");
        assertEquals("file_not_found", d.cause());
    }

    @Test
    void theUsersRowsComeFirstAndMayMakeACauseHopeless() {
        FailureCauses causes = new FailureCauses(List.of(
                new FailureCause("hf_token_missing", "401 Client Error.*huggingface", false),
                new FailureCause("gpu_out_of_memory", "CUDA out of memory", false)));
        Diagnosis token = causes.classify(new OutputTail(List.of(
                "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/models/x")),
                OptionalInt.of(1));
        assertEquals("hf_token_missing", token.cause());
        assertFalse(token.retry());
        Diagnosis oom = causes.classify(new OutputTail(List.of("torch.OutOfMemoryError: CUDA out of memory.")), OptionalInt.of(1));
        assertEquals("gpu_out_of_memory", oom.cause());
        assertFalse(oom.retry(), "the user's row wins over the built-in one");
    }

    @Test
    void withoutAnExitStatusOnlyTheLinesSpeak() {
        assertEquals("missing_module", CAUSES.classify(new OutputTail(List.of("ModuleNotFoundError: No module named 'x'")),
                OptionalInt.empty()).cause());
        assertEquals("unknown", CAUSES.classify(OutputTail.NONE, OptionalInt.empty()).cause());
    }

    @Test
    void signaturesIgnoreNumbersSoTimestampsAndPidsDoNotMakeTwoFailuresDifferent() {
        Diagnosis a = classify(1, "ERROR 11-26 12:00:01 [core.py:586] ModuleNotFoundError: No module named 'vllm._C' (pid=1234)");
        Diagnosis b = classify(1, "ERROR 11-26 12:00:09 [core.py:586] ModuleNotFoundError: No module named 'vllm._C' (pid=1301)");
        Diagnosis c = classify(1, "ERROR 11-26 12:00:09 [core.py:586] ModuleNotFoundError: No module named 'gradio' (pid=1301)");
        assertEquals(a.signature(), b.signature());
        assertNotEquals(a.signature(), c.signature(), "another module missing is progress, not the same failure");
    }

    @Test
    void theAuditedTailIsTheLastTwentyLinesWithinFourKib() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            lines.add("line " + i);
        }
        Diagnosis d = CAUSES.classify(new OutputTail(lines), OptionalInt.of(1));
        assertEquals(20, d.logTail().size());
        assertEquals("line 299", d.logTail().get(19));

        List<String> wide = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            wide.add(i + "x".repeat(1000));
        }
        Diagnosis w = CAUSES.classify(new OutputTail(wide), OptionalInt.of(1));
        int bytes = w.logTail().stream().mapToInt(l -> l.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1).sum();
        assertTrue(bytes <= Diagnosis.TAIL_BYTES, "bounded: " + bytes);
        assertEquals(wide.get(9), w.logTail().get(w.logTail().size() - 1));
    }

    @Test
    void everyBuiltInCauseHasWordsForTheStatus() {
        for (String cause : FailureCauses.BUILT_IN_NAMES) {
            assertTrue(FailureCauses.explain(cause).isPresent(), cause);
        }
        assertTrue(FailureCauses.explain("hf_token_missing").isEmpty());
    }
}
