{#- One row per department of every vendor built: the union of the vendors' conformed
    `<vendor>__hr_departments` models. -#}
{{ config(enabled=(hr_vendors_providing('hr_departments') | length > 0)) }}

{{ union_vendors('hr_departments') }}
