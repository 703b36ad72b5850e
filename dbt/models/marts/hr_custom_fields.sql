{#- Custom field definitions of the vendors that have them, each with the hr_employees column that
    holds its values: the union of the vendors' conformed `<vendor>__hr_custom_fields` models
    (disabled when no vendor built has one). -#}
{{ config(enabled=(hr_vendors_providing('hr_custom_fields') | length > 0)) }}

{{ union_vendors('hr_custom_fields') }}
