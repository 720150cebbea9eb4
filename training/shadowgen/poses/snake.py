"""How performers make the snake."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="forearm and flat hand, thumb as the jaw",
        source="puppet-forms.md (snake)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=5, side="right", roll=82, forearm_length=5.0,
                     fingers=fingers(index=Finger(0, 5, 5, 5)),
                     thumb=Thumb(azimuth=10, elevation=25, mcp=0)),
        ),
        howto="Hold the forearm and hand flat and level, edge toward the light. Keep the "
        "fingers together; lower the thumb a little as the open mouth.",
        parts={"0.thumb": "jaw", "0.forearm": "body"},
    ),
)
