"""The kernel manager `SandboxedExecute` starts each student's kernel with.

jupyter_client builds the kernel's command line itself; this manager hands
it to a wrapper (`autograder.sandbox.bubblewrap.wrap`) that runs it inside
the sandbox, and lets the sandbox's user read the kernel's connection file.
"""

import os

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

from autograder.sandbox import bubblewrap


class KernelClientWithoutHeartbeat(AsyncKernelClient):
    """A kernel client that starts no heartbeat channel.

    Its manager says whether the kernel lives (`is_alive` asks the
    manager's process), so the heartbeat adds nothing, and a student's
    code can wedge it: bytes written into the kernel's own heartbeat
    socket left jupyter_client's heartbeat thread waiting forever, and
    `stop_channels()`, which joins it, hung nbgrader (the attack
    `asks_the_zygote_for_a_root_process`).
    """

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=False, control=True):
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command is wrapped by `bubblewrap.wrap`.

    Attributes:
        wrap_command: A function from the kernel's command (a list of
            arguments) to the command that runs it in the sandbox. Defaults
            to `None`: the kernel runs as jupyter_client starts it.
    """

    wrap_command = None
    client_class = DottedObjectName("autograder.plugins.sandboxed_kernel_manager.KernelClientWithoutHeartbeat")
    client_factory = Type(KernelClientWithoutHeartbeat, klass=AsyncKernelClient)

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        if not self.wrap_command:
            return command
        if os.geteuid() == 0:
            # jupyter_client wrote it readable by root only; the kernel runs as nobody.
            os.chown(self.connection_file, bubblewrap.SANDBOX_UID, bubblewrap.SANDBOX_GID)
        return self.wrap_command(command)
