"""What can go wrong with a rig that is not bad input (ValueError)."""


class RigError(RuntimeError):
    """The rig could not do what was asked (its process, its board)."""


class RigClosed(RigError):
    """The rig was closed, or its process is gone after a crash or a hang."""


class FirmwareCrash(RigError):
    """The rig's process died: a crash in the firmware (or the rig)."""


class FirmwareHang(RigError):
    """A call got no answer within the rig's timeout: the firmware hung."""
