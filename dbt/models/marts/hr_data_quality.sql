{#- The latest field coverage per vendor, resource and field: the union of the vendors' conformed
    `<vendor>__hr_data_quality` models (disabled when no vendor built has one). -#}
{{ config(enabled=(hr_vendors_providing('hr_data_quality') | length > 0)) }}

{{ union_vendors('hr_data_quality') }}
