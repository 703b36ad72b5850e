
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    key as unique_field,
    count(*) as n_records

from "w"."bytehr"."custom_field_definitions"
where key is not null
group by key
having count(*) > 1



  
  
      
    ) dbt_internal_test