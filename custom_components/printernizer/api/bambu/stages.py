"""What a Bambu printer is doing right now: `stg_cur` stage ids and the ones that need a person.

Stage ids are the firmware's (reference/bambu-lan-protocol.md §1.5; Bambu Studio and
ha-bambulab list the same ids). Idle is -1 on X1 and 255 on P1/A1; 0 means "printing" but is
also sent at boot while idle, which `stage_name` leaves to the caller to sort out.
"""

from __future__ import annotations

IDLE = "idle"
PRINTING = "printing"

#: `stg_cur` -> stage key (the `print_stage` sensor's option and translation key).
STAGES: dict[int, str] = {
    -1: IDLE,
    0: PRINTING,
    1: "auto_bed_levelling",
    2: "heating_bed",
    3: "vibration_compensation",
    4: "changing_filament",
    5: "m400_pause",
    6: "filament_runout",
    7: "heating_nozzle",
    8: "calibrating_extrusion",
    9: "scanning_bed_surface",
    10: "inspecting_first_layer",
    11: "identifying_build_plate",
    12: "calibrating_lidar",
    13: "homing",
    14: "cleaning_nozzle",
    15: "checking_extruder_temperature",
    16: "paused_by_user",
    17: "front_cover_fell_off",
    18: "calibrating_lidar",
    19: "calibrating_extrusion_flow",
    20: "nozzle_temperature_malfunction",
    21: "bed_temperature_malfunction",
    22: "unloading_filament",
    23: "skipped_step",
    24: "loading_filament",
    25: "calibrating_motor_noise",
    26: "ams_lost",
    27: "heatbreak_fan_slow",
    28: "chamber_temperature_error",
    29: "cooling_chamber",
    30: "paused_by_gcode",
    31: "motor_noise_showoff",
    32: "nozzle_clumping",
    33: "cutter_error",
    34: "first_layer_error",
    35: "nozzle_clog",
    36: "checking_accuracy_before_calibration",
    37: "calibrating_accuracy",
    38: "checking_accuracy_after_calibration",
    39: "calibrating_nozzle_offset",
    40: "bed_levelling_high_temperature",
    41: "checking_quick_release",
    42: "checking_door_and_cover",
    43: "calibrating_laser",
    44: "checking_platform",
    45: "checking_camera_position",
    46: "calibrating_camera",
    47: "bed_levelling_phase_1",
    48: "bed_levelling_phase_2",
    49: "heating_chamber",
    50: "cooling_bed",
    51: "printing_calibration_lines",
    52: "checking_material",
    53: "calibrating_live_view_camera",
    54: "waiting_for_bed_temperature",
    55: "checking_material_position",
    56: "calibrating_cutter_offset",
    57: "measuring_surface",
    58: "thermal_preconditioning",
    59: "homing_blade_holder",
    60: "calibrating_camera_offset",
    61: "calibrating_blade_holder",
    62: "hotend_pick_and_place_test",
    63: "waiting_for_chamber_temperature",
    64: "preparing_hotend",
    65: "calibrating_clumping_detection",
    66: "purifying_chamber_air",
    67: "measuring_rotary_attachment",
    68: "moving_to_purge_chute",
    69: "cooling_nozzle",
    70: "moving_to_bed_centre",
    71: "arc_fitting",
    72: "detecting_hotend_type",
    73: "detecting_plate_alignment",
    74: "detecting_objects_on_bed",
    75: "detecting_objects_under_bed",
    76: "pre_extrusion",
    77: "preparing_ams",
    255: IDLE,
}

#: Every stage key once, in id order (the enum sensor's options).
STAGE_KEYS: tuple[str, ...] = tuple(dict.fromkeys(STAGES[i] for i in sorted(STAGES)))

#: Pauses that wait for a person to fix something (not the user's own pause).
ATTENTION_STAGES: frozenset[int] = frozenset({6, 17, 20, 21, 23, 26, 27, 28, 32, 33, 34, 35})
