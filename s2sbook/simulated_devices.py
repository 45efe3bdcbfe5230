"""A work-around for JAX's simulated CPU devices (chapter 11): ``fit`` waits for each training step.

JAX hands a training step back before it is computed, so ``fit`` can queue steps ahead. With Eigen's shared
pool of helper threads off (``--xla_cpu_multi_thread_eigen=false``), XLA computes each simulated device's share
of a step on a pool with a thread per device (or per core, if there are more), and lets a device queue at most
32 computations: queuing one more holds a thread of that pool until one is done. The device that the others
wait for in a collective (an operation every device must join, such as the all-reduce of the gradients) can
then find no thread left, and every device waits forever: a CI run stopped with 3 of 4 devices waiting.
Waiting for each step keeps the queue one step long; ``tests/test_distributed.py`` runs that fit with the
wait, under XLA's strictest settings, and it finishes.

With Eigen's pool on (XLA's default, which the book now uses: see ``processes.DEVICES_FLAG``), the same fit
finished without the wait too, in 4 runs of 4; so did 3 runs with the pool off (one of them of the code before
this module existed), on a shared machine whose load average was 10 to 16 on its 2 cores: the hang is a race
that needs the dispatch to run well ahead of the computation, which a loaded machine slows, so no test can
reproduce it on demand and none tries (a test that reproduced it once failed CI on a machine that did not
hang). The wait stays, since it costs little and rules the race out.
"""

from __future__ import annotations

import jax
import keras


class WaitForEachStep(keras.callbacks.Callback):
    """Waits until each training step's results are computed before ``fit`` starts the next step."""

    def on_train_batch_end(self, batch, logs=None):
        jax.block_until_ready(logs)
