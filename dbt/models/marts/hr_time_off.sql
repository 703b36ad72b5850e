{#- One row per time-off / leave request of every vendor built, with normalised type and status:
    the union of the vendors' conformed `<vendor>__hr_time_off` models. -#}
{{ config(enabled=(hr_vendors_providing('hr_time_off') | length > 0)) }}

{{ union_vendors('hr_time_off') }}
